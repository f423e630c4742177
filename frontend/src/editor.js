// The code editor: CodeMirror 6 with Python highlighting, indentation, undo history,
// run/submit shortcuts, a persistent draft, and a marker on the line an error names.
import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { python } from "@codemirror/lang-python";
import {
  bracketMatching,
  defaultHighlightStyle,
  indentOnInput,
  indentUnit,
  syntaxHighlighting,
} from "@codemirror/language";
import { EditorSelection, EditorState, Prec, StateEffect, StateField } from "@codemirror/state";
import {
  Decoration,
  drawSelection,
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
} from "@codemirror/view";

const setErrorLine = StateEffect.define();

// One marked line at most; editing the code clears it (the mark described old code).
const errorLineField = StateField.define({
  create: () => Decoration.none,
  update(marks, tr) {
    for (const effect of tr.effects) {
      if (!effect.is(setErrorLine)) continue;
      if (!effect.value) return Decoration.none;
      const { line, message } = effect.value;
      const target = tr.state.doc.line(Math.min(Math.max(line, 1), tr.state.doc.lines));
      const mark = Decoration.line({
        class: "cm-errorLine",
        attributes: { title: message || "error on this line", "data-error-line": String(line) },
      });
      return Decoration.set([mark.range(target.from)]);
    }
    return tr.docChanged ? Decoration.none : marks;
  },
  provide: (field) => EditorView.decorations.from(field),
});

const theme = EditorView.theme({
  "&": { height: "100%", fontSize: "14px" },
  ".cm-scroller": { fontFamily: "var(--mono)", lineHeight: "1.5" },
  ".cm-content": { padding: "8px 0" },
  ".cm-gutters": { backgroundColor: "var(--surface-2)", color: "var(--muted)", border: "none" },
  ".cm-errorLine": { backgroundColor: "var(--error-bg)", boxShadow: "inset 3px 0 0 var(--error)" },
  "&.cm-focused": { outline: "2px solid var(--focus)", outlineOffset: "-2px" },
});

export function createEditor(parent, { doc, onChange, onRun, onSubmit, label }) {
  const shortcuts = Prec.highest(
    keymap.of([
      { key: "Mod-Shift-Enter", run: () => (onSubmit(), true) },
      { key: "Mod-Enter", run: () => (onRun(), true) },
    ]),
  );
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc,
      extensions: [
        shortcuts,
        lineNumbers(),
        highlightActiveLineGutter(),
        highlightSpecialChars(),
        history(),
        drawSelection(),
        indentUnit.of("    "),
        EditorState.tabSize.of(4),
        indentOnInput(),
        bracketMatching(),
        closeBrackets(),
        autocompletion(),
        highlightActiveLine(),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        python(),
        keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, ...completionKeymap, indentWithTab]),
        errorLineField,
        // Long lines wrap instead of running past a phone's edge (no sideways scrolling).
        EditorView.lineWrapping,
        theme,
        // tabindex: an explicit tab stop, so audits (axe) see the scroller's focusable content.
        EditorView.contentAttributes.of({ "aria-label": label, "aria-multiline": "true", tabindex: "0" }),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) onChange(update.state.doc.toString());
        }),
      ],
    }),
  });

  return {
    view,
    getCode: () => view.state.doc.toString(),
    // A transaction, not a new state: Ctrl+Z brings the previous code back.
    setCode(code) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: code } });
    },
    markError(line, column, message) {
      if (!line || line < 1) return;
      view.dispatch({ effects: setErrorLine.of({ line, message }) });
      this.showLine(line, column);
    },
    clearError() {
      view.dispatch({ effects: setErrorLine.of(null) });
    },
    showLine(line, column) {
      const target = view.state.doc.line(Math.min(Math.max(line, 1), view.state.doc.lines));
      const pos = Math.min(target.from + Math.max((column || 1) - 1, 0), target.to);
      view.dispatch({
        selection: EditorSelection.cursor(pos),
        effects: EditorView.scrollIntoView(pos, { y: "center" }),
      });
    },
    focus: () => view.focus(),
  };
}
