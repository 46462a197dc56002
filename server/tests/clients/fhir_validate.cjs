// Validates FHIR R4 resources with FHIR.js (npm `fhir`, Lantana Consulting Group), an
// implementation of the spec's structure definitions and value sets written by others.
// Reads a JSON array of resources on stdin; prints each problem found and exits 1 if any.
const { Fhir } = require("fhir");

const fhir = new Fhir();
let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const resources = JSON.parse(input);
  let problems = 0;
  for (const resource of resources) {
    const result = fhir.validate(resource, { errorOnUnexpected: true });
    for (const message of result.messages.filter((m) => m.severity === "error")) {
      problems += 1;
      console.log(`${resource.resourceType}: ${message.location}: ${message.message}`);
    }
  }
  console.log(`${resources.length} resources, ${problems} problems`);
  process.exit(problems === 0 ? 0 : 1);
});
