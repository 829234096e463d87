import { fuzzPoint, LatLng } from '@libs/geo';
import { toPublicName } from '@src/accounts/public-name';
import {
  AVAILABILITY_TEXTS,
  CLOSINGS,
  CONVERSATION_LINES,
  DISHES,
  FIRST_NAMES,
  LAST_NAMES,
  LEVELS,
  LISTING_TEMPLATES,
  ListingTemplate,
  MOMENTS,
  ODD_JOBS,
  PETS,
  PLACES,
  SUBJECTS,
  WEEKDAYS,
} from './french';
import { demoId, Random } from './random';
import { MultiPolygon, pointIn } from './sampling';

/**
 * The demo rows of one commune, computed without touching the database: the same tenant facts
 * and the same `now` give the same rows. Sizes follow the communes' own launches (Lyon: 800+
 * offers; the Grenoble Alpes Métropole sites: 2,000+ registrations between them).
 */

export const DEMO_PASSWORD = 'entraide-demo-2026';
export const DEMO_EMAIL_DOMAIN = 'demo.entraide.example';

export interface DemoSize {
  residents: number;
  offers: number;
  requests: number;
  conversations: number;
}

export const DEMO_SIZES: Record<string, DemoSize> = {
  lyon: { residents: 1500, offers: 980, requests: 320, conversations: 90 },
  grenoble: { residents: 1000, offers: 420, requests: 180, conversations: 60 },
  metropole: { residents: 700, offers: 300, requests: 130, conversations: 40 },
  meylan: { residents: 250, offers: 100, requests: 50, conversations: 15 },
  seyssins: { residents: 150, offers: 70, requests: 35, conversations: 10 },
};
const OTHER_COMMUNE: DemoSize = { residents: 200, offers: 80, requests: 40, conversations: 10 };

export interface TenantFacts {
  id: string;
  slug: string;
  categories: Array<{ id: string; slug: string; remote: boolean }>;
  neighbourhoods: Array<{ id: string; slug: string; name: string; outline: MultiPolygon }>;
  /** The commune's outline (tenant_areas): public points stay inside it, as the application keeps them. */
  outline?: MultiPolygon | null;
  /** Federations whose home site is this tenant: their administrator account lives here. */
  homeOf: Array<{ slug: string; name: string }>;
}

export type Role = 'resident' | 'moderator' | 'admin' | 'federation_admin';
type Mode = 'in_person' | 'remote' | 'both';
type Status = 'published' | 'fulfilled' | 'closed' | 'expired';

export interface DemoAccount {
  id: string;
  email: string;
  displayName: string;
  roles: Role[];
  location: LatLng | null;
  notifyMode: 'immediate' | 'daily' | 'off';
  notifyRadiusM: number;
  notifyCategoryIds: string[];
  createdAt: Date;
}

export interface DemoListing {
  id: string;
  authorId: string;
  kind: 'offer' | 'request';
  categoryId: string;
  title: string;
  description: string;
  mode: Mode;
  location: LatLng;
  publicLocation: LatLng;
  /** The neighbourhood the point was drawn in; the database derives its own from the point, as the application does. */
  neighbourhoodSlug: string;
  radiusM: number | null;
  availability: Record<string, unknown>;
  status: Status;
  createdAt: Date;
  updatedAt: Date;
  expiresAt: Date;
}

export interface DemoConversation {
  id: string;
  listingId: string;
  authorId: string;
  starterId: string;
  createdAt: Date;
  lastMessageAt: Date;
}

export interface DemoMessage {
  id: string;
  conversationId: string;
  senderId: string;
  body: string;
  createdAt: Date;
}

export interface DemoPlan {
  accounts: DemoAccount[];
  listings: DemoListing[];
  conversations: DemoConversation[];
  messages: DemoMessage[];
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const LISTING_LIFETIME = 60 * DAY;
const RADII = [500, 800, 1000, 1500, 2000, 2500, 3000];

export interface StaffAccount {
  id: string;
  email: string;
  displayName: string;
  roles: Role[];
  /** What the account is for, as printed for the person trying the demo. */
  label: string;
}

/** The accounts printed for the person trying the demo: the demo resident first, then the staff. */
export function staffAccounts(t: Pick<TenantFacts, 'slug' | 'homeOf'>): StaffAccount[] {
  const on = (who: string, domain: string) => `${who}@${domain}.${DEMO_EMAIL_DOMAIN}`;
  return [
    {
      id: demoId(`${t.slug}:account:habitant`),
      email: on('habitant', t.slug),
      displayName: 'Camille D.',
      roles: ['resident'],
      label: 'habitant',
    },
    {
      id: demoId(`${t.slug}:account:moderation`),
      email: on('moderation', t.slug),
      displayName: 'Sophie M.',
      roles: ['resident', 'moderator'],
      label: 'modération',
    },
    {
      id: demoId(`${t.slug}:account:admin`),
      email: on('admin', t.slug),
      displayName: 'Nicolas A.',
      roles: ['resident', 'admin'],
      label: 'administration',
    },
    ...t.homeOf.map((fed): StaffAccount => ({
      id: demoId(`${t.slug}:account:federation:${fed.slug}`),
      email: on('federation', fed.slug),
      displayName: 'Hélène F.',
      roles: ['resident', 'federation_admin'],
      label: `fédération (${fed.name})`,
    })),
  ];
}

const ascii = (s: string) =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-');

/** Planar area of a GeoJSON multipolygon in square degrees: enough to weigh neighbourhoods against each other. */
function area(shape: MultiPolygon): number {
  let sum = 0;
  for (const polygon of shape)
    polygon.forEach((ring, r) => {
      let a = 0;
      for (let i = 1; i < ring.length; i++) a += ring[i - 1][0] * ring[i][1] - ring[i][0] * ring[i - 1][1];
      sum += (r === 0 ? 1 : -1) * Math.abs(a / 2);
    });
  return sum;
}

export function planDemo(t: TenantFacts, now: Date, size: DemoSize = DEMO_SIZES[t.slug] ?? OTHER_COMMUNE): DemoPlan {
  if (!t.categories.length || !t.neighbourhoods.length)
    throw new Error(`${t.slug} has no category or no neighbourhood`);
  const random = new Random(`entraide-demo:${t.slug}`);
  const at = (msAgo: number) => new Date(now.getTime() - Math.round(msAgo));
  const hoodWeights = t.neighbourhoods.map((n) => [n, area(n.outline)] as const);
  const places = PLACES[t.slug] ?? PLACES.default;

  // Accounts: the demo accounts first, then the residents. The site opened about 100 days ago;
  // most people registered in the first weeks.
  const accounts: DemoAccount[] = [];
  const homes = new Map<string, string>();
  const settle = (a: DemoAccount, hood: TenantFacts['neighbourhoods'][number] | null) => {
    accounts.push(a);
    if (hood) homes.set(a.id, hood.slug);
  };
  for (const who of staffAccounts(t)) {
    const hood = random.weighted(hoodWeights);
    settle(
      {
        id: who.id,
        email: who.email,
        displayName: who.displayName,
        roles: who.roles,
        location: pointIn(hood.outline, random),
        notifyMode: who.roles.length === 1 ? 'immediate' : 'off',
        notifyRadiusM: 1500,
        notifyCategoryIds: who.roles.length === 1 ? t.categories.slice(0, 2).map((c) => c.id) : [],
        createdAt: at(100 * DAY),
      },
      hood,
    );
  }
  const demoResident = accounts[0];
  const residents: DemoAccount[] = [];
  for (let i = 1; i <= size.residents; i++) {
    const first = random.pick(FIRST_NAMES);
    const last = random.pick(LAST_NAMES);
    const early = random.chance(0.6);
    const hood = random.chance(0.92) ? random.weighted(hoodWeights) : null;
    const a: DemoAccount = {
      id: demoId(`${t.slug}:account:${i}`),
      email: `${ascii(first)}.${ascii(last)}.${i}@${DEMO_EMAIL_DOMAIN}`,
      displayName: toPublicName(`${first} ${last}`)!,
      roles: ['resident'],
      location: hood ? pointIn(hood.outline, random) : null,
      notifyMode: random.weighted([
        ['immediate', 3],
        ['daily', 5],
        ['off', 2],
      ] as const),
      notifyRadiusM: random.pick(RADII),
      notifyCategoryIds: random.sample(t.categories, random.int(1, 3)).map((c) => c.id),
      createdAt: at(early ? random.between(60 * DAY, 100 * DAY) : random.between(HOUR, 60 * DAY)),
    };
    settle(a, hood);
    residents.push(a);
  }
  const livingIn = new Map(t.neighbourhoods.map((n) => [n.slug, residents.filter((a) => homes.get(a.id) === n.slug)]));

  // Listings: first one published offer for every (neighbourhood, category) pair and one
  // published request for every neighbourhood and every category, then the rest at random.
  const listings: DemoListing[] = [];
  const pairs = t.neighbourhoods.flatMap((n) => t.categories.map((c) => [n, c] as const));
  const requestCover = Array.from(
    { length: Math.max(t.neighbourhoods.length, t.categories.length) },
    (_, i) => [t.neighbourhoods[i % t.neighbourhoods.length], t.categories[i % t.categories.length]] as const,
  );

  const addListing = (
    kind: 'offer' | 'request',
    n: number,
    forced?: {
      hood: TenantFacts['neighbourhoods'][number];
      category: TenantFacts['categories'][number];
      author?: DemoAccount;
    },
  ) => {
    const hood = forced?.hood ?? random.weighted(hoodWeights);
    const category = forced?.category ?? random.pick(t.categories);
    const status: Status = forced
      ? 'published'
      : random.weighted([
          ['published', 86],
          ['fulfilled', 5],
          ['closed', 4],
          ['expired', 5],
        ] as const);
    let createdAt: Date;
    let author: DemoAccount;
    for (;;) {
      // Most authors live in the neighbourhood they post in.
      const locals = livingIn.get(hood.slug)!;
      author = forced?.author ?? (locals.length && random.chance(0.9) ? random.pick(locals) : random.pick(residents));
      // Expired listings were posted more than 60 days ago, so the expiry sweep would have closed them.
      const [oldest, newest] =
        status === 'expired'
          ? [90 * DAY, 61 * DAY]
          : forced?.author
            ? [20 * DAY, 2 * DAY]
            : status === 'published'
              ? [45 * DAY, 10 * MINUTE]
              : [45 * DAY, 3 * DAY];
      const registered = now.getTime() - author.createdAt.getTime();
      if (registered > newest) {
        createdAt = at(random.between(newest, Math.min(oldest, registered)));
        break;
      }
    }
    const templates = LISTING_TEMPLATES[category.slug] ?? LISTING_TEMPLATES.divers;
    const template = random.pick(templates[kind]);
    const { title, description, availability } = fill(template, CLOSINGS[kind], hood.name, places, random);
    const mode: Mode = category.remote
      ? random.chance(0.75)
        ? 'remote'
        : 'both'
      : random.chance(0.85)
        ? 'in_person'
        : 'both';
    const id = demoId(`${t.slug}:listing:${kind}:${n}`);
    const location = pointIn(hood.outline, random);
    const expiresAt = new Date(createdAt.getTime() + LISTING_LIFETIME);
    const updatedAt =
      status === 'expired'
        ? expiresAt
        : status === 'published'
          ? createdAt
          : new Date(createdAt.getTime() + random.between(DAY, now.getTime() - createdAt.getTime() - HOUR));
    listings.push({
      id,
      authorId: author.id,
      kind,
      categoryId: category.id,
      title,
      description,
      mode,
      location,
      publicLocation: fuzzPoint(location, id, t.outline),
      neighbourhoodSlug: hood.slug,
      radiusM: mode === 'remote' ? null : random.pick(RADII),
      availability,
      status,
      createdAt,
      updatedAt,
      expiresAt,
    });
  };

  const offers = Math.max(size.offers, pairs.length);
  const requests = Math.max(size.requests, requestCover.length);
  for (let n = 0; n < offers; n++) {
    const pair = pairs[n];
    addListing('offer', n, pair ? { hood: pair[0], category: pair[1] } : undefined);
  }
  for (let n = 0; n < requests; n++) {
    const cover = requestCover[n];
    addListing('request', n, cover ? { hood: cover[0], category: cover[1] } : undefined);
  }
  // The demo resident has an offer and a request of their own, to show "my listings".
  const homeHood = t.neighbourhoods.find((n) => n.slug === homes.get(demoResident.id))!;
  addListing('offer', offers, { hood: homeHood, category: t.categories[0], author: demoResident });
  addListing('request', requests, {
    hood: homeHood,
    category: t.categories[t.categories.length - 1],
    author: demoResident,
  });

  // Conversations: on the demo resident's offer, one they started, then neighbours' at random.
  const conversations: DemoConversation[] = [];
  const messages: DemoMessage[] = [];
  const started = new Set<string>();
  const open = (listing: DemoListing, starter: DemoAccount) => {
    const key = `${listing.id}:${starter.id}`;
    // Both sides were registered, and the listing online, for a day at least: the exchange fits before now.
    const settled = now.getTime() - DAY;
    if (
      starter.id === listing.authorId ||
      started.has(key) ||
      starter.createdAt.getTime() > settled ||
      listing.createdAt.getTime() > settled
    )
      return false;
    started.add(key);
    const c = conversations.length;
    const id = demoId(`${t.slug}:conversation:${c}`);
    const script = random.pick(CONVERSATION_LINES[listing.kind]);
    const jour = random.pick(WEEKDAYS);
    const moment = random.pick(MOMENTS).word;
    let time = Math.max(listing.createdAt.getTime(), starter.createdAt.getTime()) + random.between(HOUR, 2 * DAY);
    time = Math.min(time, now.getTime() - script.length * HOUR);
    const createdAt = new Date(time);
    script.forEach((line, k) => {
      if (k > 0)
        time = Math.min(time + random.between(10 * MINUTE, 20 * HOUR), now.getTime() - (script.length - k) * MINUTE);
      messages.push({
        id: demoId(`${t.slug}:message:${c}:${k}`),
        conversationId: id,
        senderId: k % 2 === 0 ? starter.id : listing.authorId,
        body: line.replace(/\{jour\}/g, jour).replace(/\{moment\}/g, moment),
        createdAt: new Date(time),
      });
    });
    conversations.push({
      id,
      listingId: listing.id,
      authorId: listing.authorId,
      starterId: starter.id,
      createdAt,
      lastMessageAt: new Date(time),
    });
    return true;
  };
  const published = listings.filter((l) => l.status === 'published' && l.authorId !== demoResident.id);
  const ownOffer = listings.find((l) => l.authorId === demoResident.id && l.kind === 'offer')!;
  const publishedOffers = published.filter((l) => l.kind === 'offer');
  while (!open(ownOffer, random.pick(residents)));
  while (!open(random.pick(publishedOffers), demoResident));
  // Help that was given started with a conversation; then neighbours write about open listings.
  const target = size.conversations + 2;
  for (const l of listings.filter((x) => x.status === 'fulfilled'))
    if (conversations.length < target) open(l, random.pick(residents));
  for (let tries = 0; conversations.length < target && tries < target * 20; tries++)
    open(random.pick(published), random.pick(residents));

  return { accounts, listings, conversations, messages };
}

/** Fills a template's placeholders; the day and part of the day it names become the listing's availability. */
function fill(
  template: ListingTemplate,
  closings: string[],
  hoodName: string,
  places: (typeof PLACES)[string],
  random: Random,
) {
  // Every value is drawn whether used or not, so one template's wording never shifts the next listing's draws.
  const values: Record<string, string> = {
    jour: random.pick(WEEKDAYS),
    moment: '',
    quartier: hoodName,
    au_magasin: random.pick(places.shops),
    a_rdv: random.pick(places.appointments),
    vers: random.pick(places.destinations),
    matiere: random.pick(SUBJECTS),
    niveau: random.pick(LEVELS),
    animal: random.pick(PETS),
    bricole: random.pick(ODD_JOBS),
    plat: random.pick(DISHES),
  };
  const moment = random.pick(MOMENTS);
  values.moment = moment.word;
  const freeText = random.pick(AVAILABILITY_TEXTS);
  const withText = random.chance(0.5);
  const closing = random.chance(0.6) ? ` ${random.pick(closings)}` : '';
  const replace = (s: string) => s.replace(/\{(\w+)\}/g, (_, k: string) => values[k] ?? `{${k}}`);
  const both = template.title + template.description;
  const availability: Record<string, unknown> = {};
  if (both.includes('{jour}')) availability.weekdays = [values.jour];
  if (both.includes('{moment}')) availability.times = moment.times;
  if (!Object.keys(availability).length && withText) availability.text = freeText;
  return { title: replace(template.title), description: replace(template.description) + closing, availability };
}
