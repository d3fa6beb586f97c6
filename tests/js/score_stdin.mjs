// Read [{checklist, answers}] as JSON on stdin; print the engine's results as a JSON array.
import { score } from "../../static/js/engine.js";

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const cases = JSON.parse(input);
  process.stdout.write(JSON.stringify(cases.map((c) => score(c.checklist, c.answers))));
});
