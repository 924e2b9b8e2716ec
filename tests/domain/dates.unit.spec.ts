/**
 * Proves: the domain's day numbers come from arithmetic on the digits (calendarDayNumber) and are the same as the
 * Date.parse they replaced for every real day of 1900–2100; what is not a real "YYYY-MM-DD" day goes through
 * Date.parse as before, so the answers for odd input do not change either.
 */
import { addDays, calendarDayNumber, dayNumber, daysBetween } from '../../src/domain/dates';

const byDateParse = (date: string) => Math.floor(Date.parse(`${date}T00:00:00Z`) / 86_400_000);

test('given every day of 1900–2100, then its day number is the one Date.parse gives', () => {
  for (let time = Date.UTC(1900, 0, 1); time <= Date.UTC(2100, 11, 31); time += 86_400_000) {
    const date = new Date(time).toISOString().slice(0, 10);
    if (dayNumber(date) !== byDateParse(date) || calendarDayNumber(date) !== byDateParse(date)) throw new Error(`${date}: ${dayNumber(date)} / ${calendarDayNumber(date)}, Date.parse ${byDateParse(date)}`);
  }
  expect(daysBetween('2022-02-18', '2022-12-31')).toBe(316);
  expect(addDays('2020-02-28', 2)).toBe('2020-03-01');
});

test('given what is not a real day in that form, then calendarDayNumber has none and dayNumber answers as Date.parse did', () => {
  for (const odd of ['2022-02-30', '2021-02-29', '2022-13-01', '2022-00-10', '22-01-01', '2022/01/01', 'not a date']) {
    expect(calendarDayNumber(odd)).toBeUndefined();
    expect(dayNumber(odd)).toEqual(byDateParse(odd));
  }
  // the first ten characters are the day; dayNumber itself still reads a longer text as Date.parse does (no day)
  expect(calendarDayNumber('2022-03-01T08:00:00Z')).toBe(byDateParse('2022-03-01'));
  expect(dayNumber('2022-03-01T08:00:00Z')).toBeNaN();
});
