/**
 * Public names are "first name + initial". A full name is shortened rather than refused
 * ("Marie Dupont" → "Marie D."), so a resident cannot publish their surname by mistake.
 */
const WORD = /^\p{L}[\p{L}'’-]*\.?$/u;

export function toPublicName(input: string): string | undefined {
  const words = input.normalize('NFC').trim().split(/\s+/).filter(Boolean);
  if (words.length < 2 || !words.every((w) => WORD.test(w))) return undefined;
  const first = words.slice(0, -1).join(' ');
  const initial = words[words.length - 1][0].toLocaleUpperCase('fr-FR');
  const name = `${first[0].toLocaleUpperCase('fr-FR')}${first.slice(1)} ${initial}.`;
  return name.length <= 40 ? name : undefined;
}

export const PUBLIC_NAME_HINT = "Indiquez votre prénom suivi de l'initiale de votre nom, par exemple « Marie D. ».";
