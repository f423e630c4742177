// Typeset the statement's math: the server leaves TeX in .math.inline / .math.block.
import katex from "katex";

export function renderMath(root) {
  for (const node of root.querySelectorAll(".math.inline, .math.block")) {
    const tex = node.textContent;
    try {
      katex.render(tex, node, { displayMode: node.classList.contains("block"), throwOnError: false, output: "htmlAndMathml" });
    } catch {
      node.textContent = tex; // leave the TeX readable if KaTeX cannot parse it
    }
  }
}
