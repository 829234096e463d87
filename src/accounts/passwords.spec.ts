import { hashPassword, passwordProblem, verifyPassword } from './passwords';

describe('passwords', () => {
  it('hashes with scrypt and a salt, and verifies only the right password', async () => {
    const a = await hashPassword('une phrase de passe solide');
    const b = await hashPassword('une phrase de passe solide');
    expect(a).toMatch(/^scrypt\$15\$8\$1\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('une phrase de passe solide', a)).toBe(true);
    expect(await verifyPassword('une phrase de passe solidE', a)).toBe(false);
    expect(await verifyPassword('une phrase de passe solide', null)).toBe(false);
  });

  it.each([
    ['court', /au moins 10 caractères/],
    ['azertyuiop', /trop courant/],
    ['Motdepasse123!', /trop courant/],
    ['1234567890', /trop courant|suite de chiffres/],
    ['zzzzzzzzzzzz', /répété/],
    ['marie.dupont-2024', /adresse e-mail/],
  ])('refuses %s', (pw, message) => {
    expect(passwordProblem(pw, { email: 'marie.dupont@example.org' })).toMatch(message);
  });

  it.each(['cheval correct agrafe', 'Les-noisettes-du-Vercors', 'tisane&tartine42'])('accepts %s', (pw) => {
    expect(passwordProblem(pw, { email: 'marie.dupont@example.org', siteName: 'Entraidons-nous' })).toBeUndefined();
  });
});
