/** ln Γ(x) for x > 0 (Lanczos approximation, g = 7, about 15 significant digits). */
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

export function logGamma(x: number): number {
  if (x < 0.5) {
    // Reflection keeps the approximation accurate near zero, where BG/NBD's r and a often live.
    return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  }
  const z = x - 1;
  let sum = LANCZOS[0];
  for (let i = 1; i < 9; i++) sum += LANCZOS[i] / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

export function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

/**
 * Minimises f by Nelder-Mead from `start`, restarting from the best point until a restart no
 * longer improves (restarts undo the simplex collapse that stops a single run early).
 */
export function nelderMead(
  f: (x: number[]) => number,
  start: number[],
  options: { step?: number; tolerance?: number; maxEvaluations?: number } = {},
): { x: number[]; value: number } {
  const step = options.step ?? 0.5;
  const tolerance = options.tolerance ?? 1e-12;
  const maxEvaluations = options.maxEvaluations ?? 20_000;
  let best = { x: start.slice(), value: safe(f(start)) };
  let evaluations = 1;
  for (let restart = 0; restart < 20 && evaluations < maxEvaluations; restart++) {
    const run = nelderMeadRun(f, best.x, step / (restart + 1), tolerance, maxEvaluations - evaluations);
    evaluations += run.evaluations;
    const improved = best.value - run.value;
    if (run.value <= best.value) best = { x: run.x, value: run.value };
    if (improved < tolerance * (1 + Math.abs(best.value)) && restart > 0) break;
  }
  return best;
}

function safe(value: number): number {
  return Number.isFinite(value) ? value : Number.POSITIVE_INFINITY;
}

function nelderMeadRun(
  f: (x: number[]) => number,
  start: number[],
  step: number,
  tolerance: number,
  budget: number,
): { x: number[]; value: number; evaluations: number } {
  const n = start.length;
  let evaluations = 0;
  const evaluate = (x: number[]) => {
    evaluations++;
    return safe(f(x));
  };
  const simplex: { x: number[]; value: number }[] = [{ x: start.slice(), value: evaluate(start) }];
  for (let i = 0; i < n; i++) {
    const x = start.slice();
    x[i] += step;
    simplex.push({ x, value: evaluate(x) });
  }
  while (evaluations < budget) {
    simplex.sort((a, b) => a.value - b.value);
    const bestValue = simplex[0].value;
    const worst = simplex[n];
    if (Math.abs(worst.value - bestValue) <= tolerance * (1 + Math.abs(bestValue))) break;
    const centroid = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) centroid[j] += simplex[i].x[j] / n;
    const along = (t: number) => centroid.map((c, j) => c + t * (worst.x[j] - c));
    const reflected = along(-1);
    const reflectedValue = evaluate(reflected);
    if (reflectedValue < bestValue) {
      const expanded = along(-2);
      const expandedValue = evaluate(expanded);
      simplex[n] =
        expandedValue < reflectedValue
          ? { x: expanded, value: expandedValue }
          : { x: reflected, value: reflectedValue };
    } else if (reflectedValue < simplex[n - 1].value) {
      simplex[n] = { x: reflected, value: reflectedValue };
    } else {
      const contracted = reflectedValue < worst.value ? along(-0.5) : along(0.5);
      const contractedValue = evaluate(contracted);
      if (contractedValue < Math.min(reflectedValue, worst.value)) {
        simplex[n] = { x: contracted, value: contractedValue };
      } else {
        for (let i = 1; i <= n; i++) {
          const x = simplex[i].x.map((v, j) => simplex[0].x[j] + 0.5 * (v - simplex[0].x[j]));
          simplex[i] = { x, value: evaluate(x) };
        }
      }
    }
  }
  simplex.sort((a, b) => a.value - b.value);
  return { x: simplex[0].x, value: simplex[0].value, evaluations };
}
