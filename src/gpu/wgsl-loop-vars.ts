// Finds `var` declarations without an initializer inside loop bodies of WGSL text.
//
// WGSL zero-initializes such a variable every time its declaration runs, but on Dawn's Tint with Mesa 25.0.7
// lavapipe it does not: a `var q: array<vec4f, 3>;` declared in a loop body keeps the previous iteration's value
// (a loop of four iterations adding 1 twice to it wrote 2 4 6 8, not 2 2 2 2, for arrays, vectors and scalars
// alike; `var q = array<vec4f, 3>();` wrote 2 2 2 2). The pipeline cache refuses such declarations, so no kernel
// can come to depend on the zeroing by accident. This is a scan of the text, not a parser: it tracks braces,
// parentheses and the words before each `{`, which is all that WGSL's statement syntax needs for this question.

/** One offending declaration: its text and 1-based line. */
export interface LoopVar {
  declaration: string;
  line: number;
}

/** The `var name: type;` statements without `=` that sit inside a `for`, `while` or `loop` body (or `continuing`). */
export function uninitializedLoopVars(code: string): LoopVar[] {
  // comments blanked out, newlines kept, so that line numbers still match the text
  const text = code.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' ')).replace(/\/\/[^\n]*/g, '');
  const found: LoopVar[] = [];
  const blocks: boolean[] = []; // per open brace: whether it opens a loop body
  let loopDepth = 0;
  let parens = 0;
  let statementStart = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '(') parens++;
    else if (ch === ')') parens--;
    else if (parens > 0) continue; // a for header's `;` and `var` are not statements of the body
    else if (ch === '{') {
      const isLoop = /^(for|while|loop|continuing)\b/.test(text.slice(statementStart, i).trim());
      blocks.push(isLoop);
      if (isLoop) loopDepth++;
      statementStart = i + 1;
    } else if (ch === '}') {
      if (blocks.pop()) loopDepth--;
      statementStart = i + 1;
    } else if (ch === ';') {
      const raw = text.slice(statementStart, i);
      const statement = raw.trim();
      if (loopDepth > 0 && /^var\s+\w+\s*:/.test(statement) && !statement.includes('=')) {
        const at = statementStart + raw.length - raw.trimStart().length;
        found.push({ declaration: `${statement};`, line: text.slice(0, at).split('\n').length });
      }
      statementStart = i + 1;
    }
  }
  return found;
}
