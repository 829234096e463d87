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
 * Every regular expression either starts at a word start (a look-behind) or at a fixed
 * character, and its repetitions are bounded or separated by a different character class, so a
 * review is linear in the length of the text. Compiled rules are cached per tenant config.
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

/** The French defaults every tenant starts from. */
export const DEFAULT_RULES_CONFIG: Readonly<ModerationRulesConfig> = Object.freeze({
  paidWords: [
    '€', 'euro', 'euros', 'tarif*', 'payant*', 'rémunér*', 'rétribu*', 'paiement*', 'contre paiement', 'payer',
    'payable*', 'à négocier', 'négociable*', 'prix', 'honoraires', 'moyennant', 'participation aux frais',
    'participation financière', 'contrepartie financière', 'paypal', 'lydia', 'wero', 'paylib', 'pumpkin', 'sumeria',
    'virement*', 'espèces', 'en liquide', 'cash', 'iban', 'rib', 'cesu', 'chèque emploi service',
  ],
  allowedPhrases: [
    'gratuit', 'gratuite', 'gratuits', 'gratuites', 'gratuitement', 'bénévole', 'bénévoles', 'bénévolement',
    'sans contrepartie', 'sans contrepartie financière', 'aucune contrepartie financière', 'pas de contrepartie financière',
    'je ne demande rien', 'pas besoin de me payer', 'pas besoin de payer', 'pas besoin de me rémunérer', 'inutile de me payer',
    'rien à payer', 'sans rien payer', 'pas payant', 'pas payante', 'non payant', 'non payante',
    'pas rémunéré', 'pas rémunérée', 'non rémunéré', 'non rémunérée', 'sans rémunération', 'aucune rémunération',
    'sans paiement', 'aucun paiement', 'pas de paiement', 'zéro euro', 'zéro €', 'pas un euro',
    // "espèces" is also "species"
    'espèce de', "espèce d'", 'espèces de', "espèces d'", 'espèces animales', 'espèces végétales', 'espèces menacées', 'espèces protégées',
    // "Lydia" is also a first name
    "je m'appelle lydia", "c'est lydia",
  ],
  blockedWords: ['connard*', 'connass*', 'salope', 'salopes', 'encul*', 'pute', 'putes', 'ta gueule', 'bougnoul*', 'youpin*'],
  disable: [],
});

// ---------------------------------------------------------------------------------------------
// Folding: the text rules are matched against, with a map back to the original offsets.

interface Folded {
  text: string;
  /** Original offset where the character that produced folded unit i starts / ends. */
  start: number[];
  end: number[];
}

const SPECIAL: Record<string, string> = {
  '\u2019': "'", '\u2018': "'", '\u02BC': "'", '\u00B4': "'", '`': "'", '\u2032': "'", '\u201B': "'",
  '\u0153': 'oe', '\u0152': 'oe', '\u00E6': 'ae', '\u00C6': 'ae', '\u00DF': 'ss',
  '\u2010': '-', '\u2011': '-', '\u2012': '-', '\u2013': '-', '\u2014': '-', '\u2015': '-', '\u2212': '-',
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

function fold(text: string): Folded {
  let out = '';
  const start: number[] = [];
  const end: number[] = [];
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    if (c < 0x80 && c !== 0x60) {
      out += c >= 65 && c <= 90 ? String.fromCharCode(c + 32) : text[i];
      start.push(i);
      end.push(i + 1);
      i++;
      continue;
    }
    const cp = text.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    const f = foldChar(text.slice(i, i + width));
    for (let k = 0; k < f.length; k++) {
      start.push(i);
      end.push(i + width);
    }
    out += f;
    i += width;
  }
  return { text: out, start, end };
}

/** The folded form of a configured term (exported for tests and tooling). */
export function foldTerm(term: string): string {
  return fold(term).text.trim().replace(/\s+/g, ' ');
}

// ---------------------------------------------------------------------------------------------
// Patterns

const WORD = '[\\p{L}\\p{N}]';
/** No letter or digit right before / right after. */
const START = `(?<!${WORD})`;
const END = `(?!${WORD})`;
const isWordChar = (ch: string) => /[\p{L}\p{N}]/u.test(ch);
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** Regex source of one folded term, without its leading boundary (added by the caller when `wordStart`). */
function termSource(folded: string): { source: string; wordStart: boolean } | null {
  const star = folded.endsWith('*');
  const body = (star ? folded.replace(/\*+$/, '') : folded).trim();
  if (!body) return null;
  const tokens = body.split(' ');
  let source = '';
  tokens.forEach((token, i) => {
    if (i > 0) {
      const joinsWords = isWordChar(tokens[i - 1].slice(-1)) && isWordChar(token[0]);
      source += joinsWords ? '\\s+' : '\\s*';
    }
    for (const ch of token) {
      if (ch === "'") source += "'\\s*";
      else if (ch === '-') source += '[-\\s]?';
      else source += escape(ch);
    }
  });
  const last = body.slice(-1);
  if (star) source += `${WORD}*${END}`;
  else if (isWordChar(last)) source += END;
  return { source, wordStart: isWordChar(body[0]) };
}

/** One alternation for a list of terms, longest first, or null when the list is empty. */
function alternation(terms: string[]): RegExp | null {
  const compiled = [...new Set(terms.map(foldTerm))]
    .sort((a, b) => b.length - a.length || (a < b ? -1 : 1))
    .map(termSource)
    .filter((t): t is NonNullable<typeof t> => t !== null);
  if (!compiled.length) return null;
  const words = compiled.filter((t) => t.wordStart).map((t) => t.source);
  const others = compiled.filter((t) => !t.wordStart).map((t) => t.source);
  const parts: string[] = [];
  if (words.length) parts.push(`${START}(?:${words.join('|')})`);
  if (others.length) parts.push(...others);
  return new RegExp(parts.join('|'), 'gu');
}

// Amounts: "10€", "10 €", "7,50 euros", "1 000 €", "15€/h", "15 € de l'heure", "EUR 20", "€20",
// "5 balles", "cinq balles", and a bare number per hour or per session ("20 de l'heure", "15/h", "20 la séance").
const NUM = '\\d+(?:[ .]\\d{3}){0,4}(?:[.,]\\d{1,2})?';
const NUM_START = '(?<![\\p{L}\\p{N}.,])';
const NOT_BALLS = "(?!\\s+(?:de|d')\\s*(?:tennis|golf|ping|jonglage|baseball|base-ball|padel|squash|foot|hand|match|fusil))";
const CURRENCY_AFTER = `(?:(?:k\\s*)?€|(?:eur|euros?|centimes?)${END}|balles?${END}${NOT_BALLS})`;
const UNIT =
  "(?:\\/\\s*(?:h|heure|seance)|(?:de|par|a)\\s+l'\\s*heure|par\\s+(?:heure|seance)|(?:la\\s+|le\\s+|l'\\s*)(?:heure|seance|journee|demi-journee|cours|soiree))" + END;
const UNIT_AFTER_CURRENCY =
  "(?:\\s*\\/\\s*\\p{L}+|\\s+(?:(?:de|par|a)\\s+)?(?:l'\\s*|la\\s+|le\\s+)?(?:heure|seance|journee|demi-journee|cours|soiree|nuit|jour|semaine|mois|trajet|course)" + END + ')';
const NUMBER_WORDS = '(?:deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|quinze|vingt|trente|quarante|cinquante|soixante|cent|mille|quelques)';
const AMOUNT = new RegExp(
  [
    `${NUM_START}${NUM}\\s*${CURRENCY_AFTER}${UNIT_AFTER_CURRENCY}?`,
    `${NUM_START}${NUM}\\s*${UNIT}`,
    `(?:€|${START}eur${END})\\s*${NUM}(?![\\p{N}])`,
    `${START}${NUMBER_WORDS}\\s+balles${END}${NOT_BALLS}`,
  ].join('|'),
  'gu',
);

// E-mail addresses, plain or obfuscated: "jean.dupont@gmail.com", "jean @ mail.fr", "jean [at] mail.fr",
// "jean(at)mail(dot)fr", "jean arobase orange point fr", "jean at mail dot com".
const LOCAL = "(?<![\\p{L}\\p{N}._%+\\-])[\\p{L}\\p{N}._%+\\-]+(?:\\s+(?:point|dot)\\s+[\\p{L}\\p{N}._%+\\-]+){0,3}";
const LABEL = '[\\p{L}\\p{N}\\-]+';
const DOT = '(?:\\.|\\s*[\\[({<]\\s*(?:dot|point)\\s*[\\])}>]\\s*|\\s+(?:dot|point)\\s+)';
const AT_MARK = '(?:\\s*[\\[({<]\\s*(?:at|@|arobase)\\s*[\\])}>]\\s*|\\s+arobase\\s+)';
const EMAIL = new RegExp(
  `${LOCAL}(?:@${LABEL}(?:${DOT}${LABEL}){0,6}|(?:\\s+@\\s*|@\\s+)${LABEL}(?:${DOT}${LABEL}){1,6}|${AT_MARK}${LABEL}(?:${DOT}${LABEL}){0,6}|\\s+at\\s+${LABEL}(?:${DOT}${LABEL}){1,6})`,
  'gu',
);
const EMAIL_HINT = /@|arobase|(?<![\p{L}])at(?![\p{L}])/u;

// French phone numbers: "06 12 34 56 78", "06.12.34.56.78", "0612345678", "+33 6 12 34 56 78", "+33 (0)6…", "0033 6…".
const SEP = '[\\s.\\-]{0,3}';
const PHONE = new RegExp(`(?<![\\p{N}+])(?:\\(?(?:\\+|00)\\s?33\\)?${SEP}(?:\\(0\\)${SEP})?[1-9]|0[1-9])(?:${SEP}\\d{2}){4}(?!\\p{N})`, 'gu');

// ---------------------------------------------------------------------------------------------
// Rules

interface CompiledPatterns {
  paid: RegExp | null;
  allowed: RegExp[];
  blocked: RegExp | null;
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
    const allowed = [...new Set(config.allowedPhrases.map(foldTerm))]
      .map((p) => alternation([p]))
      .filter((r): r is RegExp => r !== null);
    return new ModerationRules(Object.freeze({ ...config }), {
      paid: alternation(config.paidWords),
      allowed,
      blocked: alternation(config.blockedWords),
      disabled: new Set(config.disable),
    });
  }
}

export const DEFAULT_RULES: ModerationRules = ModerationRules.compile({ ...DEFAULT_RULES_CONFIG });

const byIdentity = new WeakMap<object, ModerationRules>();
const byContent = new Map<string, ModerationRules>();

/** A tenant's rules: its lists added to the defaults, compiled once per distinct config. */
export function rulesFor(settings?: Partial<ModerationRulesConfig> | null): ModerationRules {
  if (!settings) return DEFAULT_RULES;
  const known = byIdentity.get(settings);
  if (known) return known;
  const extra = {
    paidWords: settings.paidWords ?? [],
    allowedPhrases: settings.allowedPhrases ?? [],
    blockedWords: settings.blockedWords ?? [],
    disable: [...new Set(settings.disable ?? [])].sort() as RuleCode[],
  };
  const key = JSON.stringify(extra);
  let rules = byContent.get(key);
  if (!rules) {
    const empty = !extra.paidWords.length && !extra.allowedPhrases.length && !extra.blockedWords.length && !extra.disable.length;
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

function scan(re: RegExp, text: string, code: RuleCode, into: Span[]): void {
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    into.push({ code, start: m.index, end: m.index + m[0].length });
  }
}

const overlaps = (a: Span, b: Span) => a.start < b.end && b.start < a.end;
const within = (a: Span, outer: Span) => a.start >= outer.start && a.end <= outer.end;

/** What in `text` should hold it for a moderator, in the order it appears (nothing: it may go public). */
export function reviewText(text: string, rules: ModerationRules): RuleHit[] {
  if (!text) return [];
  const { paid, allowed, blocked, disabled } = rules.patterns;
  const folded = fold(text);
  const t = folded.text;
  const hits: Span[] = [];

  if (!disabled.has('paid')) {
    const amounts: Span[] = [];
    scan(AMOUNT, t, 'paid', amounts);
    // "0 €" is no price; it still keeps its "€" from counting as a paid word.
    const priced = amounts.filter((a) => /[1-9]/.test(t.slice(a.start, a.end)) || !/\d/.test(t.slice(a.start, a.end)));
    hits.push(...priced);
    if (paid) {
      const words: Span[] = [];
      scan(paid, t, 'paid', words);
      const loose = words.filter((w) => !amounts.some((a) => overlaps(w, a)));
      if (loose.length) {
        const allowedSpans: Span[] = [];
        for (const re of allowed) scan(re, t, 'paid', allowedSpans);
        hits.push(...loose.filter((w) => !allowedSpans.some((a) => within(w, a))));
      }
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
    hits.push(...phones.filter((p) => !emails.some((e) => overlaps(p, e))));
  }
  if (!disabled.has('blocked_word') && blocked) scan(blocked, t, 'blocked_word', hits);

  hits.sort((a, b) => a.start - b.start || RULE_CODES.indexOf(a.code) - RULE_CODES.indexOf(b.code));
  return hits.map((h) => ({ code: h.code, match: text.slice(folded.start[h.start], folded.end[h.end - 1]) }));
}

/** The distinct codes of some hits, always in the order of RULE_CODES: the reasons a listing is held. */
export function holdReasons(hits: RuleHit[]): string[] {
  return RULE_CODES.filter((code) => hits.some((h) => h.code === code));
}
