// Run tests/vectors/*.json through static/js/engine.js; print one line per failure, then a summary.
import { readFileSync, readdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { photoProblems, score } from "../../static/js/engine.js";

const here = dirname(fileURLToPath(import.meta.url));
const vectorDir = join(here, "..", "vectors");
let passed = 0, failed = 0;

const same = (a, b) => JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
function sortKeys(v) {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
  return v;
}

for (const file of readdirSync(vectorDir).filter((f) => f.endsWith(".json")).sort()) {
  const data = JSON.parse(readFileSync(join(vectorDir, file), "utf8"));
  for (const c of data.cases) {
    const checklist = { ...data.checklist, ...(c.checklist_changes || {}) };
    const result = score(checklist, c.answers);
    const problems = [];
    // A case that checks none of these would pass without testing anything.
    if (!["expected", "errors", "photo_problems"].some((key) => key in c)) problems.push("checks nothing");
    if (c.photo_problems) {
      const got = photoProblems(checklist, c.answers, c.photos || {}).map(({ item, code }) => ({ item, code }));
      if (!same(got, c.photo_problems)) problems.push(`photo_problems ${JSON.stringify(got)}`);
    }
    if (c.errors) {
      const got = [...new Set((result.errors || []).map((e) => e.item))].sort();
      if (!same(got, [...c.errors].sort())) problems.push(`errors ${JSON.stringify(got)}`);
    } else if (result.errors) {
      problems.push(`unexpected errors ${JSON.stringify(result.errors)}`);
    } else {
      // Without "errors" the answers must score, even in a case that only checks photos.
      for (const [key, expected] of Object.entries(c.expected || {})) {
        if (key === "items") {
          for (const [id, e] of Object.entries(expected)) if (!same(result.items[id], e)) problems.push(`items.${id}`);
        } else if (!same(result[key], expected)) {
          problems.push(`${key}: got ${JSON.stringify(result[key])}, expected ${JSON.stringify(expected)}`);
        }
      }
    }
    if (problems.length) { failed++; console.log(`FAIL ${file}: ${c.name}: ${problems.join("; ")}`); }
    else passed++;
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
