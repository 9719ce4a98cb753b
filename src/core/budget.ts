/**
 * Cost accounting and the daily budget. Each answer costs prompt tokens × the model's input price
 * plus completion tokens × its output price (per million tokens); the same tokens at the official
 * price give the saving. Totals are kept per session (this tracker's lifetime) and per calendar
 * day (the local date of the injected clock); usage the provider did not send is estimated, and
 * the totals count how many answers were.
 *
 * With `budget.dailyUsd` > 0: at 80 % of it a WARNING (once a day), at 100 % an alert (once a day)
 * and, until the day ends, new requests are either refused with BUDGET_EXCEEDED or routed only to
 * the cheapest model (`budget.onExceeded`). The router consults the tracker through `BudgetGate`.
 */
import { createAlert, type Alert } from './alerts';
import type { RouterConfig } from './config';
import { Emitter, type Disposable, type Event } from './events';
import { costOf, type ModelConfig, type Usage } from './registry';
import type { RoutingDecision } from './routeEvents';

export type BudgetConfig = RouterConfig['budget'];

/** Share of the daily budget at which the WARNING goes out. */
export const BUDGET_WARN_FRACTION = 0.8;
/** Days of totals kept in the state, for the report. */
const HISTORY_DAYS = 31;
/** Cents are what users read; this keeps float dust from deciding a threshold. */
const EPSILON_USD = 1e-9;

export interface CostTotals {
  answers: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  /** The same tokens at the official price. */
  officialCostUsd: number;
  /** Answers whose usage was estimated from the text (the provider sent none). */
  estimatedAnswers: number;
}

export interface CostView extends CostTotals {
  savedUsd: number;
}

/** What one answer cost. */
export interface AnswerCost {
  model: string;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  officialCostUsd: number;
  savedUsd: number;
  /** True when the token counts are an estimate. */
  estimated: boolean;
}

export interface DayTotals {
  day: string;
  answers: number;
  costUsd: number;
  officialCostUsd: number;
}

export type BudgetStatus = 'off' | 'ok' | 'warning' | 'exceeded';

export interface BudgetSummary {
  /** Local calendar day, `YYYY-MM-DD`. */
  day: string;
  /** 0: no budget. */
  dailyUsd: number;
  onExceeded: BudgetConfig['onExceeded'];
  status: BudgetStatus;
  /** Spent today in this window and in the peers reported by `setPeerSpend`. */
  spentTodayUsd: number;
  /** spentTodayUsd / dailyUsd, or null without a budget. */
  usedFraction: number | null;
  remainingUsd: number | null;
  /** This window's totals today. */
  today: CostView;
  /** Since this tracker started. */
  session: CostView;
  byModelToday: Record<string, CostView>;
  /** Earlier days, newest first. */
  history: DayTotals[];
}

/** The serialised tracker (session totals are not kept: a session ends with the window). */
export interface BudgetState {
  version: 1;
  day: string;
  today: CostTotals;
  byModel: Record<string, CostTotals>;
  /** The day the 80 % warning went out, and the day the 100 % alert did. */
  warnedDay?: string;
  exceededDay?: string;
  history: DayTotals[];
}

export type BudgetAdmission =
  | { mode: 'allow' }
  | { mode: 'cheapest'; reason: string }
  | { mode: 'refuse'; message: string };

/** The router's view of a budget: ask before routing, report each answer after. */
export interface BudgetGate {
  admit(): BudgetAdmission;
  record(answer: { model: string; usage: Usage; costUsd: number; officialCostUsd: number }): void;
}

/** The cost of an answer from its model's prices (the router computes the same with `costOf`). */
export function answerCost(model: ModelConfig, usage: Usage): AnswerCost {
  const { costUsd, officialCostUsd } = costOf(model, usage);
  return {
    model: model.id,
    promptTokens: usage.promptTokens,
    completionTokens: usage.completionTokens,
    costUsd,
    officialCostUsd,
    savedUsd: officialCostUsd - costUsd,
    estimated: usage.estimated,
  };
}

/** `YYYY-MM-DD` of the local calendar day of `ms`. */
export function localDay(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

const zero = (): CostTotals => ({ answers: 0, promptTokens: 0, completionTokens: 0, costUsd: 0, officialCostUsd: 0, estimatedAnswers: 0 });
const view = (t: CostTotals): CostView => ({ ...t, savedUsd: t.officialCostUsd - t.costUsd });

function add(t: CostTotals, a: AnswerCost): void {
  t.answers++;
  t.promptTokens += a.promptTokens;
  t.completionTokens += a.completionTokens;
  t.costUsd += a.costUsd;
  t.officialCostUsd += a.officialCostUsd;
  if (a.estimated) t.estimatedAnswers++;
}

const usd = (n: number) => `$${n.toFixed(2)}`;

export class BudgetTracker implements BudgetGate, Disposable {
  private cfg: BudgetConfig;
  private readonly now: () => number;
  private state: BudgetState;
  private session = zero();
  /** Other windows' spend today, from their persisted states. */
  private peerSpendUsd = 0;
  private readonly alerted = new Emitter<Alert>();
  private readonly changed = new Emitter<BudgetSummary>();
  private readonly recorded = new Emitter<AnswerCost>();
  /** The 80 % warning and the 100 % alert, each at most once a day. */
  readonly onDidAlert: Event<Alert> = this.alerted.event;
  /** After every recorded answer, configuration change, day change or peer update. */
  readonly onDidChange: Event<BudgetSummary> = this.changed.event;
  readonly onDidRecord: Event<AnswerCost> = this.recorded.event;

  constructor(config: BudgetConfig, options: { now?: () => number; state?: unknown } = {}) {
    this.cfg = config;
    this.now = options.now ?? (() => Date.now());
    const day = localDay(this.now());
    this.state = readState(options.state) ?? { version: 1, day, today: zero(), byModel: {}, history: [] };
    this.roll();
  }

  get config(): BudgetConfig {
    return this.cfg;
  }

  updateConfig(config: BudgetConfig): void {
    this.cfg = config;
    this.roll();
    this.evaluate();
    this.changed.fire(this.summary());
  }

  /** Whether a new request may go, and where. */
  admit(): BudgetAdmission {
    this.roll();
    const limit = this.cfg.dailyUsd;
    if (limit <= 0) return { mode: 'allow' };
    const spent = this.spentToday();
    if (spent + EPSILON_USD < limit) return { mode: 'allow' };
    if (this.cfg.onExceeded === 'cheapest') {
      return { mode: 'cheapest', reason: `today's budget of ${usd(limit)} is used up: only the cheapest model answers until midnight` };
    }
    return {
      mode: 'refuse',
      message: `Today's budget of ${usd(limit)} is used up (${usd(spent)} spent). New requests are refused until midnight (local time). `
        + 'Raise holysheepRouter.budget.dailyUsd, set it to 0 to turn the budget off, or set holysheepRouter.budget.onExceeded to "cheapest" to keep going on the cheapest model.',
    };
  }

  /** Adds an answer's cost to today's and the session's totals, then checks the thresholds. */
  record(answer: { model: string; usage: Usage; costUsd: number; officialCostUsd: number }): AnswerCost {
    this.roll();
    const cost: AnswerCost = {
      model: answer.model,
      promptTokens: answer.usage.promptTokens,
      completionTokens: answer.usage.completionTokens,
      costUsd: answer.costUsd,
      officialCostUsd: answer.officialCostUsd,
      savedUsd: answer.officialCostUsd - answer.costUsd,
      estimated: answer.usage.estimated,
    };
    add(this.state.today, cost);
    add((this.state.byModel[cost.model] ??= zero()), cost);
    add(this.session, cost);
    this.recorded.fire(cost);
    this.evaluate();
    this.changed.fire(this.summary());
    return cost;
  }

  /**
   * The persisted states of other windows: their spend today counts against the same budget, and
   * an alert one of them already raised today is not raised again here.
   */
  setPeerSpend(states: readonly unknown[]): void {
    this.roll();
    let spend = 0;
    for (const raw of states) {
      const peer = readState(raw);
      if (!peer || peer.day !== this.state.day) continue;
      spend += peer.today.costUsd;
      if (peer.warnedDay === this.state.day) this.state.warnedDay = this.state.day;
      if (peer.exceededDay === this.state.day) this.state.exceededDay = this.state.day;
    }
    this.peerSpendUsd = spend;
    this.evaluate();
    this.changed.fire(this.summary());
  }

  summary(): BudgetSummary {
    this.roll();
    const limit = this.cfg.dailyUsd;
    const spent = this.spentToday();
    let status: BudgetStatus = 'off';
    if (limit > 0) {
      status = spent + EPSILON_USD >= limit ? 'exceeded' : spent + EPSILON_USD >= limit * BUDGET_WARN_FRACTION ? 'warning' : 'ok';
    }
    return {
      day: this.state.day,
      dailyUsd: limit,
      onExceeded: this.cfg.onExceeded,
      status,
      spentTodayUsd: spent,
      usedFraction: limit > 0 ? spent / limit : null,
      remainingUsd: limit > 0 ? Math.max(0, limit - spent) : null,
      today: view(this.state.today),
      session: view(this.session),
      byModelToday: Object.fromEntries(Object.entries(this.state.byModel).map(([id, t]) => [id, view(t)])),
      history: this.state.history.map((h) => ({ ...h })),
    };
  }

  resetSession(): void {
    this.session = zero();
    this.changed.fire(this.summary());
  }

  /** Forgets today's totals, the history and the alerts sent (not the configuration). */
  reset(): void {
    this.state = { version: 1, day: localDay(this.now()), today: zero(), byModel: {}, history: [] };
    this.session = zero();
    this.peerSpendUsd = 0;
    this.changed.fire(this.summary());
  }

  toJSON(): BudgetState {
    this.roll();
    return JSON.parse(JSON.stringify(this.state)) as BudgetState;
  }

  dispose(): void {
    this.alerted.dispose();
    this.changed.dispose();
    this.recorded.dispose();
  }

  private spentToday(): number {
    return this.state.today.costUsd + this.peerSpendUsd;
  }

  /** A new local day starts from zero; the old one goes to the history. */
  private roll(): void {
    const day = localDay(this.now());
    if (day === this.state.day) return;
    const old = this.state;
    const history = old.today.answers > 0
      ? [{ day: old.day, answers: old.today.answers, costUsd: old.today.costUsd, officialCostUsd: old.today.officialCostUsd }, ...old.history]
      : old.history;
    this.state = { version: 1, day, today: zero(), byModel: {}, history: history.slice(0, HISTORY_DAYS) };
    this.peerSpendUsd = 0;
  }

  private evaluate(): void {
    const limit = this.cfg.dailyUsd;
    if (limit <= 0) return;
    const day = this.state.day;
    const spent = this.spentToday();
    const budget = { day, spentUsd: spent, limitUsd: limit, onExceeded: this.cfg.onExceeded };
    if (spent + EPSILON_USD >= limit) {
      if (this.state.exceededDay === day) return;
      // Crossing 100 % says all the 80 % warning would have: one alert, not two.
      this.state.exceededDay = day;
      this.state.warnedDay = day;
      const refuse = this.cfg.onExceeded === 'refuse';
      this.alerted.fire(createAlert({
        severity: refuse ? 'CRITICAL' : 'WARNING', kind: 'budget', at: this.now(), budget,
        title: 'Daily budget used up',
        message: `${usd(spent)} of today's ${usd(limit)} budget spent. `
          + (refuse
            ? 'New requests are refused until midnight (local time); raise holysheepRouter.budget.dailyUsd to continue.'
            : 'Only the cheapest model answers until midnight (local time); raise holysheepRouter.budget.dailyUsd to use the others.'),
      }));
      return;
    }
    if (spent + EPSILON_USD >= limit * BUDGET_WARN_FRACTION && this.state.warnedDay !== day) {
      this.state.warnedDay = day;
      this.alerted.fire(createAlert({
        severity: 'WARNING', kind: 'budget', at: this.now(), budget,
        title: `${Math.floor((spent / limit) * 100)} % of the daily budget used`,
        message: `${usd(spent)} of today's ${usd(limit)} budget spent. At 100 % new requests are ${this.cfg.onExceeded === 'refuse' ? 'refused' : 'routed only to the cheapest model'} until midnight (local time).`,
      }));
    }
  }
}

/**
 * Keeps only the cheapest candidates of a decision (lowest output price, then input price; ties
 * all stay, in score order) and lists the others as skipped with `reason`.
 */
export function cheapestOnly(decision: RoutingDecision, models: readonly ModelConfig[], reason: string): RoutingDecision {
  const price = (id: string) => {
    const m = models.find((x) => x.id === id);
    return m ? [m.outputPricePerMTok, m.inputPricePerMTok] as const : [Infinity, Infinity] as const;
  };
  if (decision.candidates.length === 0) return decision;
  const cheapest = decision.candidates.map((c) => price(c.model)).reduce((a, b) => (b[0] < a[0] || (b[0] === a[0] && b[1] < a[1]) ? b : a));
  const keep = decision.candidates.filter((c) => {
    const p = price(c.model);
    return p[0] === cheapest[0] && p[1] === cheapest[1];
  });
  const dropped = decision.candidates.filter((c) => !keep.includes(c)).map((c) => ({ model: c.model, reason }));
  return { ...decision, candidates: keep, skipped: [...decision.skipped, ...dropped] };
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function readTotals(value: unknown): CostTotals {
  const t = zero();
  if (!isObj(value)) return t;
  for (const key of Object.keys(t) as (keyof CostTotals)[]) {
    const v = value[key];
    if (isNum(v) && v >= 0) t[key] = v;
  }
  return t;
}

/** A persisted state, checked field by field. */
function readState(value: unknown): BudgetState | undefined {
  if (!isObj(value) || value.version !== 1 || typeof value.day !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value.day)) return undefined;
  const byModel: Record<string, CostTotals> = {};
  if (isObj(value.byModel)) for (const [id, t] of Object.entries(value.byModel)) byModel[id] = readTotals(t);
  const history = Array.isArray(value.history)
    ? value.history.filter((h): h is DayTotals => isObj(h) && typeof h.day === 'string' && isNum(h.costUsd) && isNum(h.officialCostUsd) && isNum(h.answers)).slice(0, HISTORY_DAYS)
    : [];
  const state: BudgetState = { version: 1, day: value.day, today: readTotals(value.today), byModel, history };
  if (typeof value.warnedDay === 'string') state.warnedDay = value.warnedDay;
  if (typeof value.exceededDay === 'string') state.exceededDay = value.exceededDay;
  return state;
}
