import { describe, expect, it } from 'vitest';
import { stopInOrder } from '../../src/stop-in-order.js';
import { captureLogs } from '../support/log-capture.js';

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('stopInOrder', () => {
  it('runs the steps one after another', async () => {
    const order: string[] = [];
    const step = (name: string, ms: number) => ({ name, run: async () => { order.push(`${name} start`); await wait(ms); order.push(`${name} end`); } });
    const outcome = await stopInOrder([step('intake', 20), step('outbox', 5)], { log: captureLogs().log });
    expect(order).toEqual(['intake start', 'intake end', 'outbox start', 'outbox end']);
    expect(outcome).toEqual({ abandoned: [], failed: [] });
  });

  it('logs a failed step and goes on with the next', async () => {
    const logs = captureLogs();
    let ranAfter = false;
    const outcome = await stopInOrder([
      { name: 'alerts', run: async () => Promise.reject(new Error('boom')) },
      { name: 'outbox', run: async () => void (ranAfter = true) },
    ], { log: logs.log });
    expect(ranAfter).toBe(true);
    expect(outcome).toEqual({ abandoned: [], failed: ['alerts'] });
    expect(logs.lines()).toContainEqual(expect.objectContaining({ step: 'alerts', msg: 'stop step failed' }));
  });

  it('abandons a step still running in its time, keeping time back for the steps after it', async () => {
    const logs = captureLogs();
    const started = Date.now();
    let ranAfterAt = 0;
    const outcome = await stopInOrder([
      { name: 'intake', run: () => new Promise(() => undefined) },
      { name: 'outbox', run: async () => void (ranAfterAt = Date.now()) },
    ], { log: logs.log, deadlineAt: started + 400, reservePerStepMs: 100 });
    expect(ranAfterAt - started).toBeGreaterThanOrEqual(290);
    expect(ranAfterAt - started).toBeLessThan(400);
    expect(outcome).toEqual({ abandoned: ['intake'], failed: [] });
    expect(logs.lines()).toContainEqual(expect.objectContaining({ step: 'intake', msg: 'stop step did not finish in time; going on without it' }));
  });

  it('still starts the steps left when the deadline has passed, without waiting for them', async () => {
    const started: string[] = [];
    const outcome = await stopInOrder([
      { name: 'alerts', run: async () => void started.push('alerts') },
      { name: 'outbox', run: () => new Promise(() => void started.push('outbox')) },
    ], { log: captureLogs().log, deadlineAt: Date.now() - 1 });
    expect(started).toEqual(['alerts', 'outbox']);
    expect(outcome.abandoned).toEqual(['alerts', 'outbox']);
  });
});
