/**
 * Walks over a decoded Avro value: strings, records and maps (own enumerable fields), arrays, and
 * bytes or float arrays (Buffers and typed arrays, which hold no strings).
 */

/** Whether any string in the value contains `needle`. */
export function anyStringIncludes(v: unknown, needle: string): boolean {
  if (typeof v === 'string') return v.includes(needle);
  if (!v || typeof v !== 'object' || ArrayBuffer.isView(v)) return false;
  if (Array.isArray(v)) {
    // Embeddings and probabilities are long arrays of numbers: skip them without a call each.
    for (const x of v) if (typeof x !== 'number' && anyStringIncludes(x, needle)) return true;
    return false;
  }
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (anyStringIncludes(o[k], needle)) return true;
  return false;
}
