// Runs Dolos (@dodona/dolos-lib) over files given on stdin and prints, as JSON, the similarity of every pair of
// one "agent" file and one "reference" file, with the line ranges of their shared fragments.
// Input:  {"dolos_dir": DIR, "language": "python", "files": [{"path": P, "content": C, "agent": bool}], "min_fragment_length": N?}
// Output: {"pairs": [{"agent": P, "reference": P, "similarity": x, "longest": n, "overlap": n,
//          "fragments": [{"agent": [first, last], "reference": [first, last], "kgrams": n}]}], "warnings": [...]}
// Lines are 1-based. DIR is where `npm install @dodona/dolos-lib` was run.
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";

async function readStdin() {
  const parts = [];
  for await (const part of process.stdin) parts.push(part);
  return JSON.parse(Buffer.concat(parts).toString("utf8"));
}

async function load(dolosDir) {
  const fromDir = createRequire(path.join(path.resolve(dolosDir), "package.json"));
  const libEntry = fromDir.resolve("@dodona/dolos-lib");
  const coreEntry = createRequire(libEntry).resolve("@dodona/dolos-core");
  const lib = await import(pathToFileURL(libEntry).href);
  const core = await import(pathToFileURL(coreEntry).href);
  return { Dolos: lib.Dolos, File: core.File };
}

const request = await readStdin();
let modules;
try {
  modules = await load(request.dolos_dir);
} catch (error) {
  console.error(`dolos-not-installed: ${error.message.split("\n")[0]}`);
  process.exit(3);
}
const { Dolos, File } = modules;
const isAgent = new Map();
const files = request.files.map((f) => {
  isAgent.set(f.path, Boolean(f.agent));
  return new File(f.path, f.content);
});
const options = { language: request.language ?? "python" };
if (request.min_fragment_length) options.minFragmentLength = request.min_fragment_length;
const dolos = new Dolos(options);
const report = await dolos.analyze(files);
const lines = (region) => [region.startRow + 1, region.endRow + 1];
const pairs = [];
for (const pair of report.allPairs()) {
  const leftAgent = isAgent.get(pair.leftFile.path);
  const rightAgent = isAgent.get(pair.rightFile.path);
  if (leftAgent === rightAgent) continue;
  const agentLeft = leftAgent;
  const fragments = pair.buildFragments().map((fragment) => {
    const left = lines(fragment.leftSelection);
    const right = lines(fragment.rightSelection);
    const kgrams = fragment.pairs.length;
    return agentLeft ? { agent: left, reference: right, kgrams } : { agent: right, reference: left, kgrams };
  });
  pairs.push({
    agent: agentLeft ? pair.leftFile.path : pair.rightFile.path,
    reference: agentLeft ? pair.rightFile.path : pair.leftFile.path,
    similarity: pair.similarity,
    longest: pair.longest,
    overlap: pair.overlap,
    fragments,
  });
}
process.stdout.write(JSON.stringify({ pairs, warnings: report.warnings ?? [] }));
