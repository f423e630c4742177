// Build the learner app's assets into ../app/static (committed: serving needs no Node).
//   cd frontend && npm ci && npm run build
// Bundles: site.js/.css (every page), problem.js/.css (workspace: CodeMirror 6, KaTeX),
// courses.js/.css (course pages).
// KaTeX's fonts ship as woff2 only; every browser the app supports reads woff2.
import { readFile, rm, mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = path.dirname(fileURLToPath(import.meta.url));
const outdir = path.resolve(here, "../app/static");

const woff2Only = {
  name: "katex-woff2-only",
  setup(build) {
    build.onLoad({ filter: /katex[\\/]dist[\\/]katex\.css$/ }, async (args) => {
      const css = await readFile(args.path, "utf8");
      const contents = css.replace(/,\s*url\([^)]*\.(?:woff|ttf)\)\s*format\("(?:woff|truetype)"\)/g, "");
      return { contents, loader: "css", resolveDir: path.dirname(args.path) };
    });
  },
};

await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });
const result = await esbuild.build({
  entryPoints: ["src/site.js", "src/problem.js", "src/courses.js", "src/site.css", "src/problem.css", "src/courses.css"].map((p) => path.join(here, p)),
  outdir,
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020", "chrome100", "firefox100", "safari15"],
  entryNames: "[name]",
  assetNames: "fonts/[name]",
  loader: { ".woff2": "file" },
  legalComments: "eof",
  metafile: true,
  plugins: [woff2Only],
  logLevel: "info",
});
const fonts = Object.keys(result.metafile.outputs).filter((f) => /\.(woff|ttf)$/.test(f));
if (fonts.length) throw new Error(`non-woff2 fonts slipped into the build: ${fonts.join(", ")}`);
