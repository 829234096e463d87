import { classifyFailure } from './mail-transport';

describe('classifyFailure', () => {
  it.each([
    [{ code: 'EENVELOPE', responseCode: 550 }, 'permanent'],
    [{ code: 'EMESSAGE', responseCode: 552 }, 'permanent'],
    [{ code: 'EENVELOPE', responseCode: 451 }, 'temporary'],
    [{ code: 'ECONNECTION' }, 'temporary'],
    [{ code: 'ETIMEDOUT' }, 'temporary'],
    [{ code: 'EAUTH', responseCode: 535 }, 'temporary'],
    [new Error('socket hang up'), 'temporary'],
  ])('%j is %s', (err, kind) => {
    expect(classifyFailure(err)).toBe(kind);
  });
});
