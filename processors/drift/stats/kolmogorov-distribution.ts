import { logGamma } from './gamma.ts';

// The tail of the one-sample, two-sided Kolmogorov statistic D_n, P(D_n ≥ x), computed the way
// Simard & L'Ecuyer (2011) recommend and scipy's `kstwo.sf` implements: exact formulas at the
// ends, the Durbin matrix (Marsaglia, Tsang & Wang 2003) where it is cheap, twice the one-sided
// Smirnov tail where the two tails cannot overlap much, and the Pelz–Good expansion for large n.

const PI2 = Math.PI ** 2;
const SQRT_2PI = Math.sqrt(2 * Math.PI);
/** Below this log, exp underflows: the Pelz–Good sums are 0. */
const MIN_LOG = -708;

/** P(D_n ≥ x), the survival function of the two-sided Kolmogorov statistic for sample size n. */
export function kolmogorovSf(n: number, x: number): number {
  if (!(Number.isInteger(n) && n > 0)) return Number.NaN;
  if (x >= 1) return 0;
  if (x <= 0) return 1;
  const t = n * x;
  if (t <= 1) {
    // Ruben–Gambino: for 1/2n ≤ x ≤ 1/n, P(D_n ≤ x) = n!/n^n · (2t - 1)^n.
    if (t <= 0.5) return 1;
    return clip(1 - Math.exp(logGamma(n + 1) - n * Math.log(n) + n * Math.log(2 * t - 1)));
  }
  if (t >= n - 1) return clip(2 * (1 - x) ** n);
  if (x >= 0.5) return clip(2 * smirnovSf(n, x));
  const nxx = t * x;
  if (n <= 140) {
    if (nxx <= 4) return clip(1 - durbinCdf(n, x));
    return clip(2 * smirnovSf(n, x));
  }
  if (nxx >= 370) return 0;
  if (nxx >= 2.2) return clip(2 * smirnovSf(n, x));
  const cdf = n <= 100_000 && n * x ** 1.5 <= 1.4 ? durbinCdf(n, x) : pelzGoodCdf(n, x);
  return clip(1 - cdf);
}

function clip(p: number): number {
  return Math.min(1, Math.max(0, p));
}

/**
 * P(D_n⁺ ≥ x), the one-sided Smirnov tail, by the Birnbaum–Tingey sum
 * x·Σ_{j=0}^{⌊n(1-x)⌋} C(n, j)·(x + j/n)^(j-1)·(1 - x - j/n)^(n-j), every term positive, summed in
 * logs (no overflow for any n).
 */
export function smirnovSf(n: number, x: number): number {
  if (x >= 1) return 0;
  if (x <= 0) return 1;
  const last = Math.floor(n * (1 - x));
  const logs = new Float64Array(last + 1).fill(Number.NEGATIVE_INFINITY);
  const logNFactorial = logGamma(n + 1);
  for (let j = 0; j <= last; j++) {
    const rest = 1 - x - j / n;
    if (rest <= 0 && n - j > 0) continue;
    const logChoose = logNFactorial - logGamma(j + 1) - logGamma(n - j + 1);
    logs[j] = logChoose + (j - 1) * Math.log(x + j / n) + (n - j > 0 ? (n - j) * Math.log(rest) : 0);
  }
  let top = Number.NEGATIVE_INFINITY;
  for (const l of logs) if (l > top) top = l;
  if (top === Number.NEGATIVE_INFINITY) return 0;
  let sum = 0;
  for (const l of logs) sum += Math.exp(l - top);
  return Math.min(1, x * sum * Math.exp(top));
}

/**
 * P(D_n < d) by the Durbin matrix: with k = ⌈nd⌉, h = k - nd and m = 2k - 1, the (k, k) entry of
 * n!/nⁿ · Hⁿ, H the m×m matrix of 1/(i-j+1)! below the superdiagonal with its first column and last
 * row corrected by h. Powers are taken by squaring, their scale kept apart as a power of 2.
 */
export function durbinCdf(n: number, d: number): number {
  if (d >= 1) return 1;
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;
  const inverseFactorial = new Float64Array(m + 1);
  inverseFactorial[0] = 1;
  for (let j = 1; j <= m; j++) inverseFactorial[j] = inverseFactorial[j - 1]! / j;
  let base: Float64Array = new Float64Array(m * m);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < m; j++) if (i - j + 1 >= 0) base[i * m + j] = inverseFactorial[i - j + 1]!;
  for (let i = 0; i < m; i++) {
    base[i * m] = (1 - h ** (i + 1)) * inverseFactorial[i + 1]!;
    base[(m - 1) * m + (m - 1 - i)] = base[i * m]!;
  }
  base[(m - 1) * m] = (1 + Math.max(2 * h - 1, 0) ** m - 2 * h ** m) * inverseFactorial[m]!;

  let result: Float64Array | undefined;
  let resultExponent = 0;
  let baseExponent = 0;
  const centre = (k - 1) * m + (k - 1);
  for (let power = n; power > 0; power = Math.floor(power / 2)) {
    if (power % 2 === 1) {
      result = result ? multiply(result, base, m) : base.slice();
      resultExponent += baseExponent;
      const scale = exponentOf(result[centre]!);
      if (scale !== 0) {
        scaleBy(result, -scale);
        resultExponent += scale;
      }
    }
    if (power > 1) {
      base = multiply(base, base, m);
      baseExponent *= 2;
      const scale = exponentOf(base[centre]!);
      if (scale !== 0) {
        scaleBy(base, -scale);
        baseExponent += scale;
      }
    }
  }
  const entry = result![centre]!;
  if (entry <= 0) return 0;
  const logP = Math.log(entry) + resultExponent * Math.LN2 + logGamma(n + 1) - n * Math.log(n);
  return clip(Math.exp(logP));
}

function multiply(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++)
    for (let l = 0; l < m; l++) {
      const ail = a[i * m + l]!;
      if (ail === 0) continue;
      for (let j = 0; j < m; j++) out[i * m + j]! += ail * b[l * m + j]!;
    }
  return out;
}

/** The binary exponent of |v| when it has left [2^-256, 2^256] (then the matrix is rescaled), else 0. */
function exponentOf(v: number): number {
  const a = Math.abs(v);
  if (a === 0 || (a < 2 ** 256 && a > 2 ** -256)) return 0;
  return Math.floor(Math.log2(a));
}

function scaleBy(matrix: Float64Array, exponent: number): void {
  const factor = 2 ** exponent;
  for (let i = 0; i < matrix.length; i++) matrix[i]! *= factor;
}

/**
 * P(D_n ≤ x) by the Pelz–Good (1976) expansion K₀(z) + K₁(z)/√n + K₂(z)/n + K₃(z)/n^1.5 with
 * z = x√n, each Kᵢ written with Jacobi theta sums over odd integers that converge fast for small z.
 */
export function pelzGoodCdf(n: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const z = Math.sqrt(n) * x;
  const z2 = z * z;
  const z4 = z2 * z2;
  const z6 = z4 * z2;
  const qlog = -PI2 / 8 / z2;
  if (qlog < MIN_LOG) return 0;
  const q = Math.exp(qlog);
  const pi4 = PI2 * PI2;
  const pi6 = pi4 * PI2;
  const k1a = -z2;
  const k1b = PI2 / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * PI2) / 4;
  const k2c = (pi4 * (1 - 2 * z2)) / 16;
  const k3d = (pi6 * (5 - 30 * z2)) / 64;
  const k3c = (pi4 * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (PI2 * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z4 * z4;
  const sums = [0, 0, 0, 0];
  const terms = Math.ceil((16 * z) / Math.PI);
  // Σ_k c_k q^((2k-1)²) by a Horner scheme in q^(8k): (2k+1)² - (2k-1)² = 8k.
  for (let k = terms; k >= 1; k--) {
    const odd = 2 * k - 1;
    const o2 = odd * odd;
    const qpower = q ** (8 * k);
    const c = [
      1,
      k1a + k1b * o2,
      k2a + k2b * o2 + k2c * o2 * o2,
      k3a + k3b * o2 + k3c * o2 * o2 + k3d * o2 * o2 * o2,
    ];
    for (let i = 0; i < 4; i++) sums[i] = sums[i]! * qpower + c[i]!;
  }
  const scale = [z, 6 * z4, 72 * z4 * z2 * z, 6480 * z4 * z4 * z2];
  for (let i = 0; i < 4; i++) sums[i] = (sums[i]! * q * SQRT_2PI) / scale[i]!;
  // K₂ and K₃ have a second sum, over all integers k, of q'^(k²) with q' = exp(-π²/2z²).
  const q2 = Math.exp(-PI2 / 2 / z2);
  let k2extra = 0;
  let k3extra = 0;
  const sqrt3z = Math.sqrt(3) * z;
  for (let k = terms; k >= 1; k--) {
    const k2 = k * k;
    const qk = q2 ** k2;
    k2extra += k2 * qk;
    const kpi = Math.PI * k;
    k3extra += (sqrt3z + kpi) * (sqrt3z - kpi) * k2 * qk;
  }
  sums[2]! += (k2extra * PI2 * SQRT_2PI) / (-36 * z2 * z);
  sums[3]! += (k3extra * PI2 * SQRT_2PI) / (216 * z6);
  return sums[0]! + sums[1]! / Math.sqrt(n) + sums[2]! / n + sums[3]! / (n * Math.sqrt(n));
}
