/**
 * Parses an LLM's reply as JSON, repairing what models commonly get wrong: code fences, prose
 * around the object, trailing commas, smart quotes around keys, and a reply cut off mid-way
 * (open strings and brackets are closed). Says whether anything had to be repaired. Pure.
 */
export type RepairResult = { ok: true; value: unknown; repaired: boolean; fixes: string[] } | { ok: false; error: string };

function tryParse(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

/** Closes what a truncated JSON text left open: a string, then the brackets, innermost first. */
export function closeTruncated(text: string): string {
  const stack: string[] = [];
  let inString = false;
  let escaped = false;
  for (const ch of text) {
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === '{') stack.push('}');
    else if (ch === '[') stack.push(']');
    else if (ch === '}' || ch === ']') stack.pop();
  }
  let out = text;
  if (inString) out += escaped ? '\\"' : '"';
  // A dangling separator or key: "a": → "a": null ; trailing comma → dropped.
  out = out.replace(/\s+$/, '');
  if (/:$/.test(out)) out += ' null';
  out = out.replace(/,$/, '');
  // An object cut after a key with no colon ({"a": 1, "b"): drop the lone key.
  out = out.replace(/,\s*"(?:[^"\\]|\\.)*"$/, '');
  return out + stack.reverse().join('');
}

export function repairJson(reply: string): RepairResult {
  const direct = tryParse(reply.trim());
  if (direct.ok) return { ok: true, value: direct.value, repaired: false, fixes: [] };
  const fixes: string[] = [];
  let text = reply.trim();
  const fenced = /```(?:json|JSON)?\s*([\s\S]*?)(?:```|$)/.exec(text);
  if (fenced) {
    text = fenced[1].trim();
    fixes.push('code_fence');
  }
  const start = text.indexOf('{');
  if (start > 0) {
    text = text.slice(start);
    fixes.push('leading_text');
  }
  const end = text.lastIndexOf('}');
  if (end >= 0 && end < text.length - 1 && tryParse(text.slice(0, end + 1)).ok) {
    text = text.slice(0, end + 1);
    fixes.push('trailing_text');
  }
  const smart = text.replace(/[\u201c\u201d]/g, '"');
  if (smart !== text) {
    text = smart;
    fixes.push('smart_quotes');
  }
  let attempt = tryParse(text);
  if (!attempt.ok) {
    const noTrailing = text.replace(/,(\s*[}\]])/g, '$1');
    if (noTrailing !== text) {
      text = noTrailing;
      fixes.push('trailing_comma');
      attempt = tryParse(text);
    }
  }
  if (!attempt.ok) {
    const closed = closeTruncated(text).replace(/,(\s*[}\]])/g, '$1');
    if (closed !== text) {
      text = closed;
      fixes.push('truncated');
      attempt = tryParse(text);
    }
  }
  if (!attempt.ok) return { ok: false, error: attempt.error };
  return { ok: true, value: attempt.value, repaired: fixes.length > 0, fixes };
}
