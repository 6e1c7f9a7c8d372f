// @ts-check
// A readable diff between two versions of a text: words (and the spaces between them) kept,
// removed or added, by a longest common subsequence. Written here rather than vendored: the texts
// are at most a proposal's 20,000 characters, one small function covers what the revision
// history shows, and it has no build step or licence to carry. Pure (no DOM), so Node tests it.
//
// Korean attaches particles to words ("제출기간을" → "제출 기간을"), so a changed word is refined
// character by character when both sides are short: a typo fix shows as one changed syllable.

// Past this many cells the table would cost too much memory; the diff is then one block removed
// and one added (still correct, only coarser).
const MAX_CELLS = 4_000_000;
const REFINE_MAX = 40;

function tokens(text) {
  return text.match(/\s+|[^\s]+/gu) || [];
}

function lcs(a, b) {
  const n = a.length;
  const m = b.length;
  if (n * m > MAX_CELLS) return null;
  // lengths[i][j]: the LCS of a[i:] and b[j:], in one flat array.
  const width = m + 1;
  const lengths = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i -= 1) {
    for (let j = m - 1; j >= 0; j -= 1) {
      lengths[i * width + j] =
        a[i] === b[j]
          ? lengths[(i + 1) * width + j + 1] + 1
          : Math.max(lengths[(i + 1) * width + j], lengths[i * width + j + 1]);
    }
  }
  const parts = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      parts.push(["same", a[i]]);
      i += 1;
      j += 1;
    } else if (lengths[(i + 1) * width + j] >= lengths[i * width + j + 1]) {
      parts.push(["del", a[i]]);
      i += 1;
    } else {
      parts.push(["ins", b[j]]);
      j += 1;
    }
  }
  while (i < n) parts.push(["del", a[i++]]);
  while (j < m) parts.push(["ins", b[j++]]);
  return parts;
}

/** Adjacent parts of one type become one. */
function merge(parts) {
  const out = [];
  for (const [type, text] of parts) {
    const last = out[out.length - 1];
    if (last && last.type === type) last.text += text;
    else out.push({ type, text });
  }
  return out;
}

/** A removed word followed by an added one, both short: diff them by characters. */
function refine(parts) {
  const out = [];
  for (let k = 0; k < parts.length; k += 1) {
    const part = parts[k];
    const next = parts[k + 1];
    if (
      part.type === "del" &&
      next &&
      next.type === "ins" &&
      !/\s/u.test(part.text) &&
      !/\s/u.test(next.text) &&
      part.text.length <= REFINE_MAX &&
      next.text.length <= REFINE_MAX
    ) {
      const chars = lcs([...part.text], [...next.text]);
      const shared = chars.filter(([type]) => type === "same").length;
      // Only when the two words share most of their letters; otherwise a whole-word swap reads better.
      if (shared * 2 >= Math.max([...part.text].length, [...next.text].length)) {
        out.push(...merge(chars));
        k += 1;
        continue;
      }
    }
    out.push(part);
  }
  return merge(out.map(({ type, text }) => [type, text]));
}

/** [{type: "same" | "del" | "ins", text}] taking `before` to `after`. */
export function diffText(before, after) {
  if (before === after) return before ? [{ type: "same", text: before }] : [];
  const parts = lcs(tokens(before), tokens(after));
  if (parts === null) {
    return [
      { type: "del", text: before },
      { type: "ins", text: after },
    ].filter((p) => p.text);
  }
  return refine(merge(parts));
}
