import { toPublicName } from './public-name';

describe('public names', () => {
  it.each([
    ['Marie D.', 'Marie D.'],
    ['marie dupont', 'Marie D.'],
    ['Jean-Pierre Martin', 'Jean-Pierre M.'],
    ['  Anne  Marie   Lefèvre ', 'Anne Marie L.'],
    ["Zoé d'Arc", 'Zoé D.'],
    ['Éloïse é', 'Éloïse É.'],
  ])('shows %s as %s', (input, expected) => expect(toPublicName(input)).toBe(expected));

  it.each(['Marie', '', 'R2D2 X', 'Marie <script>', 'a'.repeat(50) + ' B'])('refuses %s', (input) =>
    expect(toPublicName(input)).toBeUndefined(),
  );
});
