/** Shortest decimal that reads back as the same float32: a training CSV holds what the model will see. */
export function formatFloat32(value: number): string {
  if (Number.isInteger(value)) return String(value);
  for (let precision = 6; precision < 9; precision++) {
    const text = value.toPrecision(precision);
    if (Math.fround(Number(text)) === value) return stripZeros(text);
  }
  return stripZeros(value.toPrecision(9));
}

function stripZeros(text: string): string {
  if (text.includes('e') || !text.includes('.')) return text;
  return text.replace(/\.?0+$/, '');
}

/** One CSV line of a row's `width` float32 values, with the label after them when there is one. */
export function formatRow(vector: Float32Array, width: number, label?: number | string): string {
  let line = '';
  for (let i = 0; i < width; i++) line += (i === 0 ? '' : ',') + formatFloat32(vector[i]!);
  return label === undefined ? line : `${line},${label}`;
}
