/**
 * Automatic moderation rules: help must be free, contact goes through the platform, and a
 * few words are not welcome. Pure functions, no I/O: `reviewText` says what in a text should
 * hold it for a moderator, `holdReasons` turns that into the short codes stored with the hold.
 *
 * Matching works on a folded copy of the text (Unicode compatibility decomposition, combining
 * marks stripped, lower case, typographic apostrophes and dashes made plain, invisible format
 * characters dropped), so "Rémunérée", "REMUNEREE" and "rému\u00ADnérée" are one word. Words are
 * whole words: a letter or digit may not touch either end, and apostrophes, hyphens and
 * punctuation separate words ("l'heure", "d'euros"). A configured term ending in `*` matches
 * any ending ("tarif*": tarif, tarifs, tarifaire). Every hit reports the original text it
 * covers, accents and case kept.
 *
 * Word lists (paid words, allowed phrases, blocked words) are tries of tokens, so their length
 * does not slow a review down; amounts, e-mail addresses and phone numbers are regular
 * expressions whose repetitions are bounded or delimited, each starting at most once per word.
 * A review is linear in the length of the text (about 0.1 ms for 2,000 characters). Compiled
 * rules are cached per tenant config.
 */

export const RULE_CODES = ['paid', 'contact_email', 'contact_phone', 'blocked_word'] as const;
export type RuleCode = (typeof RULE_CODES)[number];

export interface RuleHit {
  code: RuleCode;
  /** The text that tripped the rule, as the author wrote it. */
  match: string;
}

/** A tenant's rules (tenant file `moderation.rules`): lists are added to the French defaults. */
export interface ModerationRulesConfig {
  /** Words and phrases that make a text look paid. */
  paidWords: string[];
  /** Phrases inside which a paid word does not count ("pas besoin de me payer"). Amounts always count. */
  allowedPhrases: string[];
  /** Words that hold a text whatever the context. */
  blockedWords: string[];
  /** Rules turned off. */
  disable: RuleCode[];
}

const frozen = <T>(items: T[]): T[] => Object.freeze(items) as T[];

/**
 * The French defaults every tenant starts from. "prix" counts on its own ("Prix Nobel de la
 * gentillesse" is held too), so do "lydia" and "espèces" unless an allowed phrase shows the
 * first name or the species. "nazi" is left out: homework help in history needs it.
 */
export const DEFAULT_RULES_CONFIG: Readonly<ModerationRulesConfig> = Object.freeze({
  paidWords: frozen([
    '€',
    'euro',
    'euros',
    'tarif*',
    'payant*',
    'rémunér*',
    'rétribu*',
    'paiement*',
    'contre paiement',
    'payer',
    'payable*',
    'à négocier',
    'négociable*',
    'prix',
    'honoraires',
    'moyennant',
    'participation aux frais',
    'participation financière',
    'contrepartie financière',
    'paypal',
    'lydia',
    'wero',
    'paylib',
    'pumpkin',
    'sumeria',
    'virement*',
    'espèces',
    'en liquide',
    'cash',
    'iban',
    'rib',
    'cesu',
    'chèque emploi service',
  ]),
  allowedPhrases: frozen([
    'gratuit',
    'gratuite',
    'gratuits',
    'gratuites',
    'gratuitement',
    'bénévole',
    'bénévoles',
    'bénévolement',
    'sans contrepartie',
    'sans contrepartie financière',
    'aucune contrepartie financière',
    'pas de contrepartie financière',
    'je ne demande rien',
    'pas besoin de me payer',
    'pas besoin de payer',
    'pas besoin de me rémunérer',
    'inutile de me payer',
    'rien à payer',
    'sans rien payer',
    'pas payant',
    'pas payante',
    'non payant',
    'non payante',
    'pas rémunéré',
    'pas rémunérée',
    'non rémunéré',
    'non rémunérée',
    'sans rémunération',
    'aucune rémunération',
    'sans paiement',
    'aucun paiement',
    'pas de paiement',
    'zéro euro',
    'zéro €',
    'pas un euro',
    // "espèces" is also "species"
    'espèce de',
    "espèce d'",
    'espèces de',
    "espèces d'",
    'espèces animales',
    'espèces végétales',
    'espèces menacées',
    'espèces protégées',
    // "Lydia" is also a first name
    "je m'appelle lydia",
    "c'est lydia",
  ]),
  blockedWords: frozen([
    'connard*',
    'connass*',
    'salope',
    'salopes',
    'encul*',
    'pute',
    'putes',
    'ta gueule',
    'bougnoul*',
    'youpin*',
  ]),
  disable: frozen<RuleCode>([]),
});

// ---------------------------------------------------------------------------------------------
// Folding: the text rules are matched against, with a map back to the original offsets.

interface Folded {
  text: string;
  /**
   * Original offsets where the character that produced folded unit i starts / ends; null while folding kept every
   * offset.
   */
  start: number[] | null;
  end: number[] | null;
}

const SPECIAL: Record<string, string> = {
  '\u2019': "'",
  '\u2018': "'",
  '\u02BC': "'",
  '\u00B4': "'",
  '`': "'",
  '\u2032': "'",
  '\u201B': "'",
  '\u0153': 'oe',
  '\u0152': 'oe',
  '\u00E6': 'ae',
  '\u00C6': 'ae',
  '\u00DF': 'ss',
  '\u2010': '-',
  '\u2011': '-',
  '\u2012': '-',
  '\u2013': '-',
  '\u2014': '-',
  '\u2015': '-',
  '\u2212': '-',
};
const foldCache = new Map<string, string>();

function foldChar(ch: string): string {
  let f = foldCache.get(ch);
  if (f === undefined) {
    f = SPECIAL[ch] ?? (/^\p{Cf}$/u.test(ch) ? '' : ch.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase());
    if (foldCache.size < 4096) foldCache.set(ch, f);
  }
  return f;
}

/** Plain ASCII but the backtick (folded to an apostrophe): lower-cased as a run. */
// eslint-disable-next-line no-control-regex -- ASCII runs, control characters included, fold by lowercasing
const PLAIN_RUN = /[\x00-\x5f\x61-\x7f]+/y;

// eslint-disable-next-line no-control-regex -- the complement of PLAIN_RUN
const NOT_PLAIN = /[^\x00-\x5f\x61-\x7f]/gu;

function fold(text: string): Folded {
  // Usually every character folds to one: then offsets are kept and one pass does it.
  let sameOffsets = true;
  const quick = text.replace(NOT_PLAIN, (ch) => {
    const f = foldChar(ch);
    if (f.length !== 1 || ch.length !== 1) sameOffsets = false;
    return f;
  });
  if (sameOffsets) return { text: quick.toLowerCase(), start: null, end: null };
  return foldWithOffsets(text);
}

function foldWithOffsets(text: string): Folded {
  let out = '';
  let start: number[] | null = null;
  let end: number[] | null = null;
  for (let i = 0; i < text.length;) {
    PLAIN_RUN.lastIndex = i;
    if (PLAIN_RUN.test(text)) {
      const j = PLAIN_RUN.lastIndex;
      out += text.slice(i, j).toLowerCase();
      if (start)
        for (let k = i; k < j; k++) {
          start.push(k);
          end!.push(k + 1);
        }
      i = j;
      continue;
    }
    const width = text.codePointAt(i)! > 0xffff ? 2 : 1;
    const f = foldChar(width === 1 ? text[i] : text.slice(i, i + 2));
    if (!start && (f.length !== 1 || width !== 1)) {
      // Offsets stop matching: from here on, keep the map (identity so far).
      start = Array.from({ length: out.length }, (_, k) => k);
      end = start.map((k) => k + 1);
    }
    if (start)
      for (let k = 0; k < f.length; k++) {
        start.push(i);
        end!.push(i + width);
      }
    out += f;
    i += width;
  }
  return { text: out, start, end };
}

/** The folded form of a configured term or text (exported for tests and tooling). */
export function foldTerm(term: string): string {
  return fold(term).text.trim().replace(/\s+/g, ' ');
}

// ---------------------------------------------------------------------------------------------
// Word lists: a folded text is a sequence of tokens (runs of letters and digits, and every other
// character but spaces and hyphens on its own), and a list of terms is a trie of token sequences,
// so a review costs the same whatever the length of the lists.

/** Tokens of a folded text: their text and folded offsets. */
interface Tokens {
  text: string[];
  start: number[];
  end: number[];
}

const SPACE = 0;
const WORD_CHAR = 1;
const OTHER = 2;
const ASCII_KIND = new Uint8Array(128).map((_, c) =>
  /[a-zA-Z0-9]/.test(String.fromCharCode(c)) ? WORD_CHAR : /[\s-]/.test(String.fromCharCode(c)) ? SPACE : OTHER,
);
const kindCache = new Map<number, number>();

function kindOf(cp: number): number {
  if (cp < 128) return ASCII_KIND[cp];
  let k = kindCache.get(cp);
  if (k === undefined) {
    const ch = String.fromCodePoint(cp);
    k = /[\p{L}\p{N}]/u.test(ch) ? WORD_CHAR : /[\s\p{Pd}]/u.test(ch) ? SPACE : OTHER;
    if (kindCache.size < 4096) kindCache.set(cp, k);
  }
  return k;
}

/** Runs of letters and digits, and every other character but spaces and dashes alone. */
function tokenize(text: string): Tokens {
  const tokens: Tokens = { text: [], start: [], end: [] };
  let wordStart = -1;
  for (let i = 0; i < text.length;) {
    const cp = text.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    const kind = kindOf(cp);
    if (kind === WORD_CHAR) {
      if (wordStart < 0) wordStart = i;
    } else {
      if (wordStart >= 0) {
        tokens.text.push(text.slice(wordStart, i));
        tokens.start.push(wordStart);
        tokens.end.push(i);
        wordStart = -1;
      }
      if (kind === OTHER) {
        tokens.text.push(text.slice(i, i + width));
        tokens.start.push(i);
        tokens.end.push(i + width);
      }
    }
    i += width;
  }
  if (wordStart >= 0) {
    tokens.text.push(text.slice(wordStart));
    tokens.start.push(wordStart);
    tokens.end.push(text.length);
  }
  return tokens;
}

interface TrieNode {
  next: Map<string, TrieNode>;
  /** A term ends here. */
  end: boolean;
  /** Terms whose last token ends with `*`: their prefixes, letter by letter. */
  prefixes: PrefixNode | null;
}

interface PrefixNode {
  next: Map<string, PrefixNode>;
  end: boolean;
}

const node = (): TrieNode => ({ next: new Map(), end: false, prefixes: null });

/** The trie of a list of terms, or null when none has a token. */
function trieOf(terms: readonly string[]): TrieNode | null {
  const root = node();
  let any = false;
  for (const term of terms) {
    const folded = foldTerm(term);
    const star = /\*$/.test(folded);
    const tokens = tokenize(folded.replace(/\*+$/, '')).text;
    if (!tokens.length) continue;
    any = true;
    let at = root;
    for (const tok of tokens.slice(0, -1)) {
      let child = at.next.get(tok);
      if (!child) at.next.set(tok, (child = node()));
      at = child;
    }
    const last = tokens[tokens.length - 1];
    if (star) {
      let p: PrefixNode = (at.prefixes ??= { next: new Map(), end: false });
      for (const ch of last) {
        let child = p.next.get(ch);
        if (!child) p.next.set(ch, (child = { next: new Map(), end: false }));
        p = child;
      }
      p.end = true;
    } else {
      let child = at.next.get(last);
      if (!child) at.next.set(last, (child = node()));
      child.end = true;
    }
  }
  return any ? root : null;
}

/** Whether a `*` term of `prefixes` matches the token. */
function hasPrefix(prefixes: PrefixNode, tok: string): boolean {
  let p: PrefixNode | undefined = prefixes;
  for (let k = 0; p; k++) {
    if (p.end) return true;
    if (k === tok.length) return false;
    p = p.next.get(tok[k]);
  }
  return false;
}

/** The longest term of `trie` starting at token i: the index of its last token, or -1. */
function longestAt(trie: TrieNode, tokens: string[], i: number): number {
  let best = -1;
  let at: TrieNode | undefined = trie;
  for (let j = i; at && j < tokens.length; j++) {
    const tok = tokens[j];
    if (at.prefixes && hasPrefix(at.prefixes, tok)) best = j;
    at = at.next.get(tok);
    if (at?.end) best = j;
  }
  return best;
}

/**
 * Occurrences of the terms of `trie` in `tokens`, as folded spans; `overlapping` also gives those starting inside
 * another.
 */
function findTerms(trie: TrieNode, tokens: Tokens, code: RuleCode, into: Span[], overlapping = false): void {
  for (let i = 0; i < tokens.text.length;) {
    const last = longestAt(trie, tokens.text, i);
    if (last < 0) {
      i++;
      continue;
    }
    into.push({ code, start: tokens.start[i], end: tokens.end[last] });
    i = overlapping ? i + 1 : last + 1;
  }
}

// ---------------------------------------------------------------------------------------------
// Patterns

const WORD = '[\\p{L}\\p{N}]';
/** No letter or digit right before / right after. */
const START = `(?<!${WORD})`;
const END = `(?!${WORD})`;

// Amounts: "10€", "10 €", "7,50 euros", "1 000 €", "15€/h", "15 € de l'heure", "EUR 20", "€20",
// "5 balles", "cinq balles", and a number per hour or per session ("20 de l'heure", "15/h", "25e/h", "20 la séance").
const NUM = '\\d+(?:[ .]\\d{3}){0,4}(?:[.,]\\d{1,2})?';
/**
 * A number not glued to a word or another number: its first digit, then a look back (faster than looking back first).
 */
const NUM_AT_START = '\\d(?<![\\p{L}\\p{N}.,]\\d)\\d*(?:[ .]\\d{3}){0,4}(?:[.,]\\d{1,2})?';
const NOT_BALLS =
  "(?!\\s+(?:de|d')\\s*(?:tennis|golf|ping|jonglage|baseball|base-ball|padel|squash|foot|hand|match|fusil))";
const CURRENCY_AFTER = `(?:(?:k\\s*)?€|(?:eur|euros?|centimes?)${END}|balles?${END}${NOT_BALLS})`;
const UNIT =
  "(?:\\/\\s*(?:h|heure|seance)|(?:de|par|a)\\s+l'\\s*heure|par\\s+(?:heure|seance)|" +
  "(?:la\\s+|le\\s+|l'\\s*)(?:heure|seance|journee|demi-journee|cours|soiree))" +
  END;
const UNIT_AFTER_CURRENCY =
  "(?:\\s*\\/\\s*\\p{L}+|\\s+(?:(?:de|par|a)\\s+)?(?:l'\\s*|la\\s+|le\\s+)?" +
  '(?:heure|seance|journee|demi-journee|cours|soiree|nuit|jour|semaine|mois|trajet|course)' +
  END +
  ')';
const NUMBER_WORDS =
  '(?:deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|quinze|vingt|trente|quarante|cinquante|soixante|' +
  'cent|mille|quelques)';
/** Amounts, each with the cheap test that tells when it cannot match. */
const AMOUNTS: Array<{ re: RegExp; maybe: (folded: string) => boolean }> = [
  // "25e/h": an "e" for euros only counts before a unit, since "25e" alone is an ordinal
  {
    re: new RegExp(`${NUM_AT_START}\\s*(?:${CURRENCY_AFTER}${UNIT_AFTER_CURRENCY}?|(?:e${END}\\s*)?${UNIT})`, 'gu'),
    maybe: () => true,
  },
  {
    re: new RegExp(`(?:€|${START}eur${END})\\s*${NUM}(?![\\p{N}])`, 'gu'),
    maybe: (t) => t.includes('€') || t.includes('eur'),
  },
  { re: new RegExp(`${START}${NUMBER_WORDS}\\s+balles${END}${NOT_BALLS}`, 'gu'), maybe: (t) => t.includes('balles') },
];

// E-mail addresses, plain or obfuscated: "jean.dupont@gmail.com", "jean @ mail.fr", "jean [at] mail.fr",
// "jean(at)mail(dot)fr", "jean arobase orange point fr", "jean at mail dot com".
const LOCAL = '(?<![\\p{L}\\p{N}._%+\\-])[\\p{L}\\p{N}._%+\\-]+(?:\\s+(?:point|dot)\\s+[\\p{L}\\p{N}._%+\\-]+){0,3}';
const LABEL = '[\\p{L}\\p{N}\\-]+';
const DOT = '(?:\\.|\\s*[\\[({<]\\s*(?:dot|point)\\s*[\\])}>]\\s*|\\s+(?:dot|point)\\s+)';
const AT_MARK = '(?:\\s*[\\[({<]\\s*(?:at|@|arobase)\\s*[\\])}>]\\s*|\\s+arobase\\s+)';
const EMAIL = new RegExp(
  `${LOCAL}(?:@${LABEL}(?:${DOT}${LABEL}){0,6}|(?:\\s+@\\s*|@\\s+)${LABEL}(?:${DOT}${LABEL}){1,6}|` +
    `${AT_MARK}${LABEL}(?:${DOT}${LABEL}){0,6}|\\s+at\\s+${LABEL}(?:${DOT}${LABEL}){1,6})`,
  'gu',
);
const EMAIL_HINT = /@|arobase|(?<![\p{L}])at(?![\p{L}])/u;

// French phone numbers: "06 12 34 56 78", "06.12.34.56.78", "0612345678", "+33 6 12 34 56 78", "+33 (0)6…", "0033 6…".
const SEP = '[\\s.\\-]{0,3}';
const PHONE = new RegExp(
  `(?<![\\p{N}+])(?:\\(?(?:\\+|00)\\s?33\\)?${SEP}(?:\\(0\\)${SEP})?[1-9]|0[1-9])(?:${SEP}\\d{2}){4}(?!\\p{N})`,
  'gu',
);

// ---------------------------------------------------------------------------------------------
// Rules

interface CompiledPatterns {
  paid: TrieNode | null;
  allowed: TrieNode | null;
  blocked: TrieNode | null;
  disabled: ReadonlySet<RuleCode>;
}

/** Compiled rules: get them from `rulesFor` (or use `DEFAULT_RULES`). */
export class ModerationRules {
  private constructor(
    /** The effective lists: defaults plus the tenant's. */
    readonly config: Readonly<ModerationRulesConfig>,
    /** @internal */
    readonly patterns: CompiledPatterns,
  ) {}

  /** @internal use `rulesFor`, which caches. */
  static compile(config: ModerationRulesConfig): ModerationRules {
    const lists = {
      paidWords: frozen([...config.paidWords]),
      allowedPhrases: frozen([...config.allowedPhrases]),
      blockedWords: frozen([...config.blockedWords]),
      disable: frozen([...config.disable]),
    };
    return new ModerationRules(Object.freeze(lists), {
      paid: trieOf(config.paidWords),
      allowed: trieOf(config.allowedPhrases),
      blocked: trieOf(config.blockedWords),
      disabled: new Set(config.disable),
    });
  }
}

export const DEFAULT_RULES: ModerationRules = ModerationRules.compile({ ...DEFAULT_RULES_CONFIG });

const byIdentity = new WeakMap<object, ModerationRules>();
const byContent = new Map<string, ModerationRules>();

/**
 * A tenant's rules: its lists added to the defaults, compiled once per distinct config (the
 * settings object is remembered, so treat it as immutable; an equal config reuses the same rules).
 */
export function rulesFor(settings?: Partial<ModerationRulesConfig> | null): ModerationRules {
  if (!settings) return DEFAULT_RULES;
  const known = byIdentity.get(settings);
  if (known) return known;
  const extra = {
    paidWords: settings.paidWords ?? [],
    allowedPhrases: settings.allowedPhrases ?? [],
    blockedWords: settings.blockedWords ?? [],
    disable: [...new Set(settings.disable ?? [])].sort(),
  };
  const key = JSON.stringify(extra);
  let rules = byContent.get(key);
  if (!rules) {
    const empty =
      !extra.paidWords.length && !extra.allowedPhrases.length && !extra.blockedWords.length && !extra.disable.length;
    rules = empty
      ? DEFAULT_RULES
      : ModerationRules.compile({
          paidWords: [...DEFAULT_RULES_CONFIG.paidWords, ...extra.paidWords],
          allowedPhrases: [...DEFAULT_RULES_CONFIG.allowedPhrases, ...extra.allowedPhrases],
          blockedWords: [...DEFAULT_RULES_CONFIG.blockedWords, ...extra.blockedWords],
          disable: extra.disable,
        });
    if (byContent.size >= 1000) byContent.clear();
    byContent.set(key, rules);
  }
  byIdentity.set(settings, rules);
  return rules;
}

interface Span {
  code: RuleCode;
  start: number;
  end: number;
}

/** Every match of the global `re`. */
function scan(re: RegExp, text: string, code: RuleCode, into: Span[]): void {
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0].length) into.push({ code, start: m.index, end: m.index + m[0].length });
    else re.lastIndex++;
  }
}

const byStart = (a: Span, b: Span) => a.start - b.start;

/** The spans of `items` (in text order, not overlapping one another) that no span of `covers` overlaps. */
function notOverlapped(items: Span[], covers: Span[]): Span[] {
  if (!items.length || !covers.length) return items;
  const sorted = [...covers].sort(byStart);
  let k = 0;
  let reach = -1; // furthest end of the covers starting before the item ends
  return items.filter((item) => {
    while (k < sorted.length && sorted[k].start < item.end) reach = Math.max(reach, sorted[k++].end);
    return reach <= item.start;
  });
}

/** The spans of `items` (in text order) that no span of `covers` contains. */
function notContained(items: Span[], covers: Span[]): Span[] {
  if (!items.length || !covers.length) return items;
  const sorted = [...covers].sort(byStart);
  let k = 0;
  let reach = -1; // furthest end of the covers starting at or before the item
  return items.filter((item) => {
    while (k < sorted.length && sorted[k].start <= item.start) reach = Math.max(reach, sorted[k++].end);
    return reach < item.end;
  });
}

/** What in `text` should hold it for a moderator, in the order it appears (nothing: it may go public). */
export function reviewText(text: string, rules: ModerationRules): RuleHit[] {
  if (!text) return [];
  const { paid, allowed, blocked, disabled } = rules.patterns;
  const folded = fold(text);
  const t = folded.text;
  const hits: Span[] = [];

  let tokens: Tokens | null = null;
  const words = () => (tokens ??= tokenize(t));

  if (!disabled.has('paid')) {
    const amounts: Span[] = [];
    for (const { re, maybe } of AMOUNTS) if (maybe(t)) scan(re, t, 'paid', amounts);
    // "0 €" is no price; it still keeps its "€" from counting as a paid word.
    hits.push(...amounts.filter((a) => /[1-9]/.test(t.slice(a.start, a.end)) || !/\d/.test(t.slice(a.start, a.end))));
    if (paid) {
      const found: Span[] = [];
      findTerms(paid, words(), 'paid', found);
      const loose = notOverlapped(found, amounts);
      if (loose.length && allowed) {
        // Overlapping occurrences, so that two allowed phrases sharing words both count.
        const allowedSpans: Span[] = [];
        findTerms(allowed, words(), 'paid', allowedSpans, true);
        hits.push(...notContained(loose, allowedSpans));
      } else hits.push(...loose);
    }
  }
  const emails: Span[] = [];
  if (!disabled.has('contact_email') && EMAIL_HINT.test(t)) {
    scan(EMAIL, t, 'contact_email', emails);
    hits.push(...emails);
  }
  if (!disabled.has('contact_phone')) {
    const phones: Span[] = [];
    scan(PHONE, t, 'contact_phone', phones);
    hits.push(...notOverlapped(phones, emails));
  }
  if (!disabled.has('blocked_word') && blocked) findTerms(blocked, words(), 'blocked_word', hits);

  hits.sort((a, b) => a.start - b.start || RULE_CODES.indexOf(a.code) - RULE_CODES.indexOf(b.code));
  const { start, end } = folded;
  return hits.map((h) => ({
    code: h.code,
    match: start && end ? text.slice(start[h.start], end[h.end - 1]) : text.slice(h.start, h.end),
  }));
}

/** The distinct codes of some hits, always in the order of RULE_CODES: the reasons a listing is held. */
export function holdReasons(hits: RuleHit[]): string[] {
  return RULE_CODES.filter((code) => hits.some((h) => h.code === code));
}
