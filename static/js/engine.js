// The checklist engine's scoring, ported from inspection/checklists for the live score in the form.
// It runs the same JSON test vectors as the Python engine (tests/vectors); the server's score counts.

const DIMENSIONS = ["reliability", "responsiveness", "assurance", "empathy", "tangibles"];
const UNSCORED = ["servqual", "text", "photo", "staff"];
const EPSILON = 1e-9;

// Larger numbers are typing errors or probes; the server refuses them too.
const MAX_NUMBER = 1e15;
const isNum = (v) => typeof v === "number" && Number.isFinite(v) && Math.abs(v) <= MAX_NUMBER;
const isInt = (v) => isNum(v) && Number.isInteger(v);
const sameValue = (a, b) => typeof a === typeof b && a === b;

export function itemScored(item) {
  if (!item.points || UNSCORED.includes(item.type)) return false;
  return item.type !== "number" || item.pass != null;
}

export function isRequired(item) {
  return item.required == null ? itemScored(item) : item.required;
}

function* allItems(checklist) {
  for (const section of checklist.sections) for (const item of section.items) yield [section, item];
}

export function visibleItems(checklist, answers) {
  const visible = new Set();
  for (const [, item] of allItems(checklist)) {
    const cond = item.show_if;
    if (!cond || (visible.has(cond.item) && sameValue(answers[cond.item], cond.equals))) visible.add(item.id);
  }
  return visible;
}

const CHECKS = {
  yes_no: (item, v) => typeof v === "boolean",
  rating: (item, v) => isInt(v) && v >= 1 && v <= (item.scale || 5),
  choice: (item, v) => item.options.some((o) => sameValue(o.value, v)),
  number: (item, v) => isNum(v),
  timer: (item, v) => isNum(v) && v >= 0,
  deduction: (item, v) => isInt(v) && v >= 0,
  servqual: (item, v) => v !== null && typeof v === "object" && !Array.isArray(v)
    && Object.keys(v).sort().join() === "expectation,perception"
    && [v.expectation, v.perception].every((s) => isInt(s) && s >= 1 && s <= 7),
  text: (item, v) => typeof v === "string",
  photo: () => false,
  staff: (item, v) => typeof v === "string" && v.trim() !== "",
};

// Return [{item, message}] for every answer that cannot be scored.
export function checkAnswers(checklist, answers) {
  const problems = [];
  const known = new Set([...allItems(checklist)].map(([, item]) => item.id));
  for (const id of Object.keys(answers)) if (!known.has(id)) problems.push({ item: id, code: "unknown_item", message: "unknown item" });
  const visible = visibleItems(checklist, answers);
  for (const [, item] of allItems(checklist)) {
    const value = answers[item.id];
    if (value == null) {
      if (isRequired(item) && visible.has(item.id)) problems.push({ item: item.id, code: "required", message: "required" });
    } else if (value === "na") {
      if (!item.na) problems.push({ item: item.id, code: "na_not_allowed", message: "not applicable is not allowed" });
    } else if (!CHECKS[item.type](item, value)) {
      problems.push({ item: item.id, code: "invalid", message: "invalid answer" });
    }
  }
  return problems;
}

function fraction(item, v) {
  switch (item.type) {
    case "yes_no": return v ? 1 : 0;
    case "rating": return (v - 1) / ((item.scale || 5) - 1);
    case "choice": return item.options.find((o) => sameValue(o.value, v)).score;
    case "timer": return v <= item.limit ? 1 : 0;
    default: {
      const p = item.pass;
      return (p.min == null || v >= p.min) && (p.max == null || v <= p.max) ? 1 : 0;
    }
  }
}

function scoreItem(item, value, sectionId) {
  if (value == null) return { section: sectionId, status: "excluded", earned: 0, possible: 0 };
  if (!itemScored(item)) return { section: sectionId, status: "unscored", earned: 0, possible: 0 };
  const earned = item.type === "deduction"
    ? Math.max(0, item.points - item.deduct * value) : fraction(item, value) * item.points;
  return { section: sectionId, status: "scored", earned, possible: item.points };
}

function photoRule(item) {
  return item.photo ?? (item.type === "photo" ? "optional" : "never");
}

// Tell whether a shown item's answer counts: given, applicable and valid (a photo item always counts).
function photoCounted(item, value) {
  if (item.type === "photo") return true;
  // An invalid answer is reported by checkAnswers; judging it against its standard would guess.
  return value != null && value !== "na" && CHECKS[item.type](item, value);
}

// Return [{item, code, message}] for every breach of the photo rules, given each item's photo count.
// Needs no score, so that bad or missing answers elsewhere still let every photo problem show.
export function photoProblems(checklist, answers, counts) {
  const known = new Set([...allItems(checklist)].map(([, item]) => item.id));
  const problems = Object.keys(counts).filter((id) => !known.has(id))
    .map((id) => ({ item: id, code: "unknown_item", message: "photos for an item this checklist does not have" }));
  const visible = visibleItems(checklist, answers);
  const add = (item, code, message) => problems.push({ item: item.id, code, message });
  for (const [section, item] of allItems(checklist)) {
    // Own keys only: an item may be called "constructor".
    const count = Object.hasOwn(counts, item.id) ? counts[item.id] : 0;
    const rule = photoRule(item), value = answers[item.id];
    if (rule === "never" && count) add(item, "photo_not_allowed", "this item takes no photos");
    else if (count || !visible.has(item.id) || !photoCounted(item, value)) continue;
    else if (rule === "required") add(item, "photo_required", "a photo is required");
    else if (rule === "on_fail") {
      const r = scoreItem(item, value, section.id);
      if (r.status === "scored" && r.earned < r.possible) {
        add(item, "photo_required_on_fail", "a photo is required when the standard is not met");
      }
    }
  }
  return problems;
}

const tally = () => ({ earned: 0, possible: 0 });
const pct = (t) => (t.possible ? (100 * t.earned) / t.possible : null);
const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

// Score answers; returns the result in the format's JSON shape (rounded), or {errors} when invalid.
export function score(checklist, answers) {
  const errors = checkAnswers(checklist, answers);
  if (errors.length) return { errors };
  const visible = visibleItems(checklist, answers);
  const items = {}, sections = [], dims = {}, staff = {};
  for (const section of checklist.sections) {
    const t = tally();
    let staffCode = null;
    for (const item of section.items) {
      const value = answers[item.id];
      const counted = visible.has(item.id) && value != null && value !== "na";
      const r = scoreItem(item, counted ? value : null, section.id);
      items[item.id] = r;
      t.earned += r.earned; t.possible += r.possible;
      const dim = item.dimension || section.dimension;
      if (dim) {
        const d = (dims[dim] ||= { earned: 0, possible: 0, e: [], p: [] });
        d.earned += r.earned; d.possible += r.possible;
        if (item.type === "servqual" && r.status !== "excluded") { d.e.push(value.expectation); d.p.push(value.perception); }
      }
      if (item.type === "staff" && counted) staffCode = value;
    }
    sections.push([section.id, t]);
    if (staffCode !== null) {
      const s = (staff[staffCode] ||= tally());
      s.earned += t.earned; s.possible += t.possible;
    }
  }
  return finish(checklist, items, sections, dims, staff);
}

function overallScore(checklist, sections) {
  if (checklist.sections[0].weight == null) {
    const total = tally();
    for (const [, t] of sections) { total.earned += t.earned; total.possible += t.possible; }
    return pct(total);
  }
  const weights = Object.fromEntries(checklist.sections.map((s) => [s.id, s.weight]));
  const counted = sections.filter(([, t]) => t.possible).map(([id, t]) => [weights[id], pct(t)]);
  if (!counted.length) return null;
  return counted.reduce((a, [w, s]) => a + w * s, 0) / counted.reduce((a, [w]) => a + w, 0);
}

export function dimensionWeights(checklist) {
  const given = checklist.dimension_weights || {};
  const unlisted = DIMENSIONS.filter((d) => !(d in given));
  const listedSum = Object.values(given).reduce((a, b) => a + b, 0);
  const share = unlisted.length ? Math.max(0, 1 - listedSum) / unlisted.length : 0;
  return Object.fromEntries(DIMENSIONS.map((d) => [d, d in given ? given[d] : share]));
}

function finish(checklist, items, sections, dims, staff) {
  const critical = [...allItems(checklist)].map(([, item]) => item)
    .filter((item) => item.critical && items[item.id].status === "scored"
      && items[item.id].earned < items[item.id].possible - EPSILON).map((item) => item.id);
  let overall = overallScore(checklist, sections);
  if (critical.length && checklist.on_critical_fail === "zero") overall = 0;
  const passMark = checklist.pass_mark ?? 80;
  const passed = overall === null ? (critical.length ? false : null)
    : !critical.length && overall >= passMark - EPSILON;
  const bands = [...(checklist.ratings || [])].sort((a, b) => b.min - a.min);
  const band = overall === null ? null : bands.find((b) => b.min <= overall + EPSILON);
  const weights = dimensionWeights(checklist);
  const dimensions = {};
  let gapSum = 0, weightSum = 0;
  for (const name of DIMENSIONS) {
    const d = dims[name];
    if (!d) continue;
    const e = mean(d.e), p = mean(d.p);
    const gap = d.e.length ? p - e : null;
    if (gap !== null) { gapSum += weights[name] * gap; weightSum += weights[name]; }
    dimensions[name] = { score: round(pct(d)), expectation: round(e), perception: round(p), gap: round(gap) };
  }
  const tallyJson = (t) => ({ score: round(pct(t)), earned: round(t.earned), possible: round(t.possible) });
  return {
    checklist: checklist.id,
    score: round(overall),
    passed,
    rating: band ? band.label : null,
    critical_failures: critical,
    sections: sections.map(([id, t]) => ({ id, ...tallyJson(t) })),
    dimensions,
    servqual_gap: round(weightSum ? gapSum / weightSum : null),
    staff: Object.fromEntries(Object.entries(staff).map(([code, t]) => [code, tallyJson(t)])),
    items: Object.fromEntries(Object.entries(items).map(([id, r]) => [id,
      { section: r.section, status: r.status, earned: round(r.earned), possible: round(r.possible) }])),
  };
}

// Round to 2 decimals like Python's round(): from the exact binary value, exact ties to even.
export function round(value) {
  if (value === null || value === undefined) return null;
  const scaled = value * 100;
  if (Number.isInteger(scaled * 2) && !Number.isInteger(scaled)) {
    const floor = Math.floor(scaled);
    return (floor % 2 === 0 ? floor : floor + 1) / 100 + 0;
  }
  return Number(value.toFixed(2)) + 0;
}
