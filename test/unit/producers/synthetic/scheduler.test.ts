import { expect } from 'chai';
import { nextRunAt, scheduleDay } from '../../../../producers/synthetic/scheduler';

describe('synthetic daily schedule (pure)', () => {
  it('is due from the configured UTC time of the day', () => {
    expect(scheduleDay(Date.parse('2026-11-28T01:59:00Z'), '02:00')).to.include({ day: '2026-11-28', due: false });
    expect(scheduleDay(Date.parse('2026-11-28T02:00:00Z'), '02:00')).to.include({ day: '2026-11-28', due: true });
    expect(scheduleDay(Date.parse('2026-11-28T23:59:59Z'), '02:00')).to.include({ day: '2026-11-28', due: true });
  });

  it('runs next today before the time and tomorrow after it', () => {
    expect(new Date(nextRunAt(Date.parse('2026-11-28T01:00:00Z'), '02:30')).toISOString()).to.equal('2026-11-28T02:30:00.000Z');
    expect(new Date(nextRunAt(Date.parse('2026-11-28T03:00:00Z'), '02:30')).toISOString()).to.equal('2026-11-29T02:30:00.000Z');
  });
});
