import * as assert from 'node:assert/strict';
import type { Alert } from '../../src/core/alerts';
import { BudgetTracker, answerCost, cheapestOnly, localDay, type BudgetConfig } from '../../src/core/budget';
import { DEFAULT_CONFIG, resolveConfig } from '../../src/core/config';
import { isRouterError } from '../../src/core/errors';
import type { ModelConfig, Usage } from '../../src/core/registry';
import type { RouteEvent, RoutingDecision } from '../../src/core/routeEvents';
import { Router } from '../../src/core/router';
import { FakeFleet, RELAY_MODELS } from '../fixtures/fleet';

const model = (id: string): ModelConfig => DEFAULT_CONFIG.models.find((m) => m.id === id)!;
const near = (actual: number, expected: number, what = 'value') => assert.ok(Math.abs(actual - expected) < 1e-12, `${what}: ${actual} ≠ ${expected}`);

/** A clock the test moves by hand; local time, as the budget's calendar day is local. */
class Clock {
  constructor(public ms: number) {}
  readonly now = () => this.ms;
}

const usage = (promptTokens: number, completionTokens: number, estimated = false): Usage => ({ promptTokens, completionTokens, estimated });

/** Records an answer worth exactly `usd` (as gpt-4.1 output tokens would be, rounded away). */
function spend(tracker: BudgetTracker, usd: number, id = 'gpt-4.1', estimated = false) {
  return tracker.record({ model: id, usage: usage(0, 1, estimated), costUsd: usd, officialCostUsd: usd * 7.5 });
}

function track(config: Partial<BudgetConfig>, clock: Clock, state?: unknown) {
  const tracker = new BudgetTracker({ dailyUsd: 5, onExceeded: 'refuse', ...config }, { now: clock.now, state });
  const alerts: Alert[] = [];
  tracker.onDidAlert((a) => alerts.push(a));
  return { tracker, alerts };
}

describe('cost accounting', () => {
  it('prices an answer: prompt tokens × input price + completion tokens × output price, and the saving', () => {
    const cost = answerCost(model('gpt-4.1'), usage(1000, 500));
    near(cost.costUsd, (1000 * 2 + 500 * 8) / 1e6, 'cost');
    near(cost.officialCostUsd, (1000 * 15 + 500 * 60) / 1e6, 'official');
    near(cost.savedUsd, 0.045 - 0.006, 'saved');
    assert.equal(cost.estimated, false);
    const deepseek = answerCost(model('deepseek-v3.2'), usage(2_000_000, 1_000_000, true));
    near(deepseek.costUsd, 2 * 0.28 + 0.42, 'deepseek cost');
    near(deepseek.officialCostUsd, 2 * 1.93 + 2.9, 'deepseek official');
    assert.equal(deepseek.estimated, true);
    // A model without an official input price: the input price scaled like the output price.
    const custom: ModelConfig = { ...model('gpt-4.1'), id: 'custom', inputPricePerMTok: 1, outputPricePerMTok: 2, officialOutputPricePerMTok: 4, officialInputPricePerMTok: undefined };
    near(answerCost(custom, usage(1_000_000, 0)).officialCostUsd, 2, 'scaled official input');
  });

  it('keeps totals per day, per session and per model, counting estimated answers', () => {
    const clock = new Clock(new Date(2026, 0, 5, 10, 0).getTime());
    const { tracker } = track({ dailyUsd: 0 }, clock);
    tracker.record({ model: 'gpt-4.1', usage: usage(1000, 500), costUsd: 0.006, officialCostUsd: 0.045 });
    tracker.record({ model: 'deepseek-v3.2', usage: usage(100, 50, true), costUsd: 0.0001, officialCostUsd: 0.0005 });
    const s = tracker.summary();
    assert.equal(s.day, '2026-01-05');
    assert.equal(s.status, 'off');
    assert.deepEqual([s.today.answers, s.today.promptTokens, s.today.completionTokens, s.today.estimatedAnswers], [2, 1100, 550, 1]);
    near(s.today.costUsd, 0.0061);
    near(s.today.savedUsd, 0.0455 - 0.0061);
    assert.deepEqual(Object.keys(s.byModelToday).sort(), ['deepseek-v3.2', 'gpt-4.1']);
    near(s.byModelToday['gpt-4.1']!.savedUsd, 0.039);
    assert.deepEqual(s.session, s.today);
  });

  it('starts a new day at local midnight; the session goes on', () => {
    const clock = new Clock(new Date(2026, 0, 5, 23, 59).getTime());
    const { tracker } = track({ dailyUsd: 0 }, clock);
    spend(tracker, 1);
    clock.ms = new Date(2026, 0, 6, 0, 1).getTime();
    spend(tracker, 2);
    const s = tracker.summary();
    assert.equal(s.day, '2026-01-06');
    near(s.today.costUsd, 2);
    near(s.session.costUsd, 3);
    assert.deepEqual(s.history.map((h) => [h.day, h.answers, h.costUsd]), [['2026-01-05', 1, 1]]);
    assert.equal(localDay(new Date(2026, 11, 31, 23, 59, 59).getTime()), '2026-12-31');
  });
});

describe('daily budget', () => {
  const day1 = new Date(2026, 0, 5, 9, 0).getTime();

  it('warns once at 80 %, and again only on another day', () => {
    const clock = new Clock(day1);
    const { tracker, alerts } = track({ dailyUsd: 5 }, clock);
    spend(tracker, 3.9);
    assert.equal(alerts.length, 0, '78 %: nothing yet');
    assert.equal(tracker.summary().status, 'ok');
    spend(tracker, 0.1);
    assert.equal(alerts.length, 1, '80 %: the warning');
    const warning = alerts[0]!;
    assert.deepEqual([warning.severity, warning.kind, warning.model], ['WARNING', 'budget', undefined]);
    assert.equal(warning.title, '80 % of the daily budget used');
    assert.match(warning.message, /\$4\.00 of today's \$5\.00 budget spent/);
    assert.deepEqual(warning.budget, { day: '2026-01-05', spentUsd: 4, limitUsd: 5, onExceeded: 'refuse' });
    spend(tracker, 0.5);
    assert.equal(alerts.length, 1, 'once a day');
    assert.equal(tracker.summary().status, 'warning');
    assert.deepEqual(tracker.admit(), { mode: 'allow' }, 'under 100 % requests still go');

    clock.ms = new Date(2026, 0, 6, 9, 0).getTime();
    assert.equal(tracker.summary().status, 'ok', 'a new day starts from zero');
    spend(tracker, 4.2);
    assert.equal(alerts.length, 2);
    assert.equal(alerts[1]!.budget!.day, '2026-01-06');
  });

  it("at 100 % refuses new requests ('refuse') with a message that says what to do, alerting once", () => {
    const clock = new Clock(day1);
    const { tracker, alerts } = track({ dailyUsd: 5, onExceeded: 'refuse' }, clock);
    spend(tracker, 4.5);
    spend(tracker, 0.5);
    assert.deepEqual(alerts.map((a) => a.severity), ['WARNING', 'CRITICAL']);
    assert.equal(alerts[1]!.title, 'Daily budget used up');
    const admission = tracker.admit();
    assert.equal(admission.mode, 'refuse');
    assert.match(admission.mode === 'refuse' ? admission.message : '', /\$5\.00 is used up \(\$5\.00 spent\).*holysheepRouter\.budget\.dailyUsd/);
    spend(tracker, 1);
    assert.equal(alerts.length, 2, 'the 100 % alert goes out once a day');
    assert.equal(tracker.summary().status, 'exceeded');
    near(tracker.summary().remainingUsd!, 0);
  });

  it("at 100 % routes to the cheapest model only ('cheapest')", () => {
    const clock = new Clock(day1);
    const { tracker, alerts } = track({ dailyUsd: 1, onExceeded: 'cheapest' }, clock);
    spend(tracker, 1.2); // straight past 100 %: one alert, not two
    assert.deepEqual(alerts.map((a) => a.severity), ['WARNING']);
    assert.equal(alerts[0]!.title, 'Daily budget used up');
    assert.match(alerts[0]!.message, /Only the cheapest model answers/);
    const admission = tracker.admit();
    assert.equal(admission.mode, 'cheapest');
  });

  it('is off at 0: always admits, never alerts', () => {
    const { tracker, alerts } = track({ dailyUsd: 0 }, new Clock(day1));
    spend(tracker, 1_000);
    assert.deepEqual(tracker.admit(), { mode: 'allow' });
    assert.equal(alerts.length, 0);
    assert.deepEqual([tracker.summary().usedFraction, tracker.summary().remainingUsd], [null, null]);
  });

  it('applies a lowered budget at once', () => {
    const { tracker, alerts } = track({ dailyUsd: 10 }, new Clock(day1));
    spend(tracker, 4.5);
    assert.equal(alerts.length, 0);
    tracker.updateConfig({ dailyUsd: 5, onExceeded: 'refuse' });
    assert.equal(alerts.length, 1);
    tracker.updateConfig({ dailyUsd: 4, onExceeded: 'refuse' });
    assert.equal(tracker.admit().mode, 'refuse');
  });

  it('survives a reload through toJSON(): totals kept, no second warning the same day', () => {
    const clock = new Clock(day1);
    const first = track({ dailyUsd: 5 }, clock);
    spend(first.tracker, 4.2);
    assert.equal(first.alerts.length, 1);
    const saved = JSON.parse(JSON.stringify(first.tracker.toJSON())) as unknown;

    const second = track({ dailyUsd: 5 }, clock, saved);
    near(second.tracker.summary().today.costUsd, 4.2);
    assert.equal(second.tracker.summary().session.answers, 0, 'the session is new');
    spend(second.tracker, 0.1);
    assert.equal(second.alerts.length, 0, 'already warned today');

    clock.ms = new Date(2026, 0, 6, 8, 0).getTime();
    const third = track({ dailyUsd: 5 }, clock, saved);
    assert.equal(third.tracker.summary().today.costUsd, 0, "yesterday's state starts a fresh day");
    assert.equal(third.tracker.summary().history[0]!.day, '2026-01-05');

    for (const junk of [null, 'x', { version: 2 }, { version: 1, day: 'tomorrow' }]) {
      assert.equal(track({}, clock, junk).tracker.summary().today.answers, 0);
    }
  });

  it("counts other windows' spend today against the same budget", () => {
    const clock = new Clock(day1);
    const peer = track({ dailyUsd: 5 }, clock);
    spend(peer.tracker, 3);
    const yesterday = { ...peer.tracker.toJSON(), day: '2026-01-04' };
    const here = track({ dailyUsd: 5 }, clock);
    here.tracker.setPeerSpend([peer.tracker.toJSON(), yesterday, 'junk']);
    near(here.tracker.summary().spentTodayUsd, 3, 'only today counts');
    spend(here.tracker, 1.5);
    assert.equal(here.alerts.length, 1, '3 + 1.5 of 5 is 90 %');
    assert.equal(here.tracker.summary().status, 'warning');
  });
});

describe('cheapestOnly', () => {
  it('keeps the cheapest candidates (ties too) and lists the others as skipped', () => {
    const candidate = (id: string, score: number) => ({ model: id, endpoint: 'holysheep', score, costTerm: 0, errorTerm: 0, latencyTerm: 0 });
    const models: ModelConfig[] = [...DEFAULT_CONFIG.models, { ...model('deepseek-v3.2'), id: 'deepseek-twin' }];
    const decision: RoutingDecision = {
      mode: 'fixed',
      candidates: [candidate('gpt-4.1', 1), candidate('deepseek-twin', 2), candidate('gemini-2.5-flash', 3), candidate('deepseek-v3.2', 4)],
      skipped: [{ model: 'claude-sonnet-4.5', reason: 'disabled in settings' }],
    };
    const only = cheapestOnly(decision, models, 'over budget');
    assert.deepEqual(only.candidates.map((c) => c.model), ['deepseek-twin', 'deepseek-v3.2']);
    assert.deepEqual(only.skipped, [
      { model: 'claude-sonnet-4.5', reason: 'disabled in settings' },
      { model: 'gpt-4.1', reason: 'over budget' },
      { model: 'gemini-2.5-flash', reason: 'over budget' },
    ]);
  });
});

describe('daily budget in a real Router on the fleet', function () {
  this.timeout(20_000);
  const fleet = new FakeFleet();
  const routers: Router[] = [];

  before(() => fleet.start());
  after(() => fleet.close());
  beforeEach(() => {
    fleet.reset();
    // 1000 prompt + 1000 completion tokens an answer: deepseek-v3.2 costs $0.0007, gpt-4.1 $0.01.
    for (const m of RELAY_MODELS) fleet.setDefault(m, { usage: { promptTokens: 1000, completionTokens: 1000 } });
  });
  afterEach(async () => {
    await Promise.all(routers.splice(0).map((r) => r.close()));
  });

  function routerWith(budget: BudgetTracker, input: Record<string, unknown> = {}): Router {
    const router = new Router(resolveConfig({ ...input, endpoints: [{ id: 'holysheep', baseUrl: fleet.baseUrl }] }), () => fleet.apiKey, { budget });
    routers.push(router);
    return router;
  }

  const ask = (router: Router, options: Parameters<Router['chat']>[1] = {}) => router.chat({ messages: [{ role: 'user', content: 'hi' }] }, options);

  it("warns at 80 %, then refuses at 100 % with BUDGET_EXCEEDED and sends nothing ('refuse')", async () => {
    const budget = new BudgetTracker({ dailyUsd: 0.0008, onExceeded: 'refuse' });
    const alerts: Alert[] = [];
    budget.onDidAlert((a) => alerts.push(a));
    const router = routerWith(budget);

    const first = await ask(router);
    assert.equal(first.model, 'deepseek-v3.2');
    near(first.costUsd, 0.0007, 'cost of the first answer');
    assert.deepEqual(alerts.map((a) => a.severity), ['WARNING'], '87.5 %: the warning');
    near(budget.summary().today.costUsd, 0.0007, 'the router recorded the cost');

    await ask(router); // allowed: the budget was not used up before it started
    assert.deepEqual(alerts.map((a) => a.severity), ['WARNING', 'CRITICAL']);
    const sent = fleet.requests.length;

    const events: RouteEvent[] = [];
    await assert.rejects(ask(router, { onEvent: (e) => events.push(e) }), (error: unknown) => {
      assert.ok(isRouterError(error));
      assert.equal(error.code, 'BUDGET_EXCEEDED');
      assert.match(error.message, /holysheepRouter\.budget\.dailyUsd/);
      return true;
    });
    assert.equal(fleet.requests.length, sent, 'no request reached a provider');
    assert.deepEqual(events.map((e) => e.type), ['error']);
    assert.equal((events[0] as { code: string }).code, 'BUDGET_EXCEEDED');
    near(budget.summary().today.costUsd, 0.0014, 'a refused request costs nothing');
  });

  it("routes only to the cheapest model once the budget is used up, even over a fixed model choice ('cheapest')", async () => {
    const budget = new BudgetTracker({ dailyUsd: 0.005, onExceeded: 'cheapest' });
    const router = routerWith(budget, { routing: { model: 'gpt-4.1' } });
    const first = await ask(router);
    assert.equal(first.model, 'gpt-4.1', 'under budget the choice stands');
    assert.equal(budget.summary().status, 'exceeded', '$0.01 of $0.005');

    const second = await ask(router);
    assert.equal(second.model, 'deepseek-v3.2');
    assert.deepEqual(second.decision.candidates.map((c) => c.model), ['deepseek-v3.2']);
    const skipped = second.decision.skipped.find((s) => s.model === 'gpt-4.1');
    assert.match(skipped?.reason ?? '', /budget .* used up/);

    // The cheapest model that meets the quality floor.
    const high = await ask(router, { quality: 'high' });
    assert.equal(high.model, 'gpt-4.1');
    // And what Auto would pick now says the same.
    assert.deepEqual((await router.preview()).candidates.map((c) => c.model), ['deepseek-v3.2']);
  });

  it('keeps the estimated flag of an answer without usage', async () => {
    fleet.setDefault('deepseek-v3.2', { usage: false });
    const budget = new BudgetTracker({ dailyUsd: 0, onExceeded: 'refuse' });
    const costs: boolean[] = [];
    budget.onDidRecord((c) => costs.push(c.estimated));
    const answer = await ask(routerWith(budget));
    assert.equal(answer.usage.estimated, true);
    assert.deepEqual(costs, [true]);
    assert.equal(budget.summary().today.estimatedAnswers, 1);
    assert.ok(budget.summary().today.costUsd > 0);
  });
});
