// Visit times typed as a date and wall-clock times where the branch is (the app's time zone), as UTC.

// How far the zone's wall clock is ahead of UTC at an instant, in milliseconds.
function zoneOffset(zone, instant) {
  const format = new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", year: "numeric",
    month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
  const parts = Object.fromEntries(format.formatToParts(instant).map((part) => [part.type, part.value]));
  const wall = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second);
  return wall - Math.floor(instant / 1000) * 1000;
}

// Return the ISO instant of a YYYY-MM-DD date and HH:MM time in the zone, or null when either is empty.
export function zonedIso(date, time, zone) {
  if (!date || !time) return null;
  const [year, month, day] = date.split("-").map(Number);
  const [hour, minute] = time.split(":").map(Number);
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  // Twice, so that a time just after a daylight-saving change takes that day's offset.
  const first = wall - zoneOffset(zone, wall);
  return new Date(wall - zoneOffset(zone, first)).toISOString();
}

// Return today's date (YYYY-MM-DD) and the time (HH:MM) on the zone's wall clock.
export function zonedNow(zone, instant = new Date()) {
  const format = new Intl.DateTimeFormat("en-CA", { timeZone: zone, hourCycle: "h23", year: "numeric",
    month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
  const parts = Object.fromEntries(format.formatToParts(instant).map((part) => [part.type, part.value]));
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
}
