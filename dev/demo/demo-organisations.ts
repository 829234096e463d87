import { execute, type Tx } from '@libs/db';
import { fuzzPoint, LatLng, pointSql } from '@libs/geo';
import type { DemoAccount, TenantFacts } from './demo-plan';
import { demoId, Random } from './random';
import { pointIn } from './sampling';

/**
 * The organisations side of the demo, for communes that turn it on: organisations of every
 * kind, each with projects (Lyon counted 40 in its first weeks), missions and volunteers.
 * Computed from the tenant's facts alone, with fixed ids, like the rest of the demo.
 */

const ORGANISATIONS: Array<{ name: string; kind: string; description: string }> = [
  {
    name: 'Les Petits Frères des quartiers',
    kind: 'association',
    description: 'Nous rendons visite aux aînés isolés et organisons des sorties et des goûters toute l’année.',
  },
  {
    name: 'Centre social des Pentes',
    kind: 'social_centre',
    description: 'Accueil, accompagnement scolaire, ateliers cuisine et sorties familiales pour tout le quartier.',
  },
  {
    name: 'Épicerie solidaire du Rhône',
    kind: 'association',
    description: 'Une épicerie à petits prix pour les familles en difficulté, tenue par des bénévoles.',
  },
  {
    name: 'Atelier vélo participatif',
    kind: 'association',
    description: 'On apprend à réparer son vélo soi-même, avec des outils partagés et des bénévoles mécaniciens.',
  },
  {
    name: 'Maison des jeunes et de la culture',
    kind: 'association',
    description: 'Activités culturelles et sportives, aide aux devoirs et projets de jeunes.',
  },
  {
    name: 'Bibliothèque municipale',
    kind: 'institution',
    description: 'Lectures à voix haute, portage de livres à domicile et ateliers numériques.',
  },
  {
    name: 'Centre communal d’action sociale',
    kind: 'institution',
    description: 'Le CCAS accompagne les habitants fragiles et coordonne les actions de solidarité de la ville.',
  },
  {
    name: 'Boulangerie du Marché',
    kind: 'business',
    description: 'Une boulangerie de quartier qui donne ses invendus et accueille des ateliers pain.',
  },
  {
    name: 'Coopérative des jardins partagés',
    kind: 'association',
    description: 'Des jardins ouverts à tous, des parcelles collectives et des récoltes partagées.',
  },
  {
    name: 'Repair café du quartier',
    kind: 'other',
    description: 'Un samedi par mois, on répare ensemble petits appareils, vêtements et objets du quotidien.',
  },
  {
    name: 'Collectif Anti-gaspi',
    kind: 'other',
    description: 'Nous récupérons les invendus des commerces et les redistribuons aux associations.',
  },
  {
    name: 'Pharmacie des Terreaux',
    kind: 'business',
    description: 'Une officine qui relaie les campagnes de prévention et soutient les visites aux aînés.',
  },
  {
    name: 'Secours populaire, antenne locale',
    kind: 'association',
    description: 'Aide alimentaire, vestiaire, accès aux vacances et accompagnement dans les démarches.',
  },
  {
    name: 'Centre social de la Duchère',
    kind: 'social_centre',
    description: 'Un lieu d’accueil et d’activités pour les familles, les jeunes et les aînés.',
  },
];

const PROJECTS: Record<
  string,
  Array<{
    title: string;
    description: string;
    missions: Array<{ title: string; when: string; needed: number; skills: string[] }>;
  }>
> = {
  courses: [
    {
      title: 'Courses accompagnées pour les aînés',
      description: 'Des bénévoles accompagnent des personnes âgées au marché ou au supermarché, une fois par semaine.',
      missions: [{ title: 'Accompagner au marché', when: 'Le mercredi matin', needed: 4, skills: ['patience'] }],
    },
    {
      title: 'Livraison de paniers solidaires',
      description: 'Chaque semaine, des paniers de fruits et légumes sont livrés aux familles inscrites.',
      missions: [
        { title: 'Préparer les paniers', when: 'Le jeudi de 17 h à 19 h', needed: 6, skills: [] },
        { title: 'Livrer à vélo', when: 'Le vendredi matin', needed: 3, skills: ['vélo'] },
      ],
    },
  ],
  'aide-aux-devoirs': [
    {
      title: 'Soutien scolaire du soir',
      description: 'Aide aux devoirs pour les écoliers et collégiens, dans une salle du quartier.',
      missions: [
        { title: 'Aider en mathématiques', when: 'Le mardi de 17 h à 18 h 30', needed: 3, skills: ['mathématiques'] },
        { title: 'Lire avec les CP', when: 'Le jeudi après l’école', needed: 2, skills: ['lecture'] },
      ],
    },
    {
      title: 'Ateliers de français pour adultes',
      description: 'Des conversations et exercices pour progresser en français, dans la bonne humeur.',
      missions: [{ title: 'Animer une conversation', when: 'Le samedi matin', needed: 4, skills: ['français'] }],
    },
  ],
  bricolage: [
    {
      title: 'Réparations à domicile pour les aînés',
      description: 'Petits travaux chez des personnes âgées : ampoules, étagères, robinets qui fuient.',
      missions: [{ title: 'Petites réparations', when: 'Un après-midi par mois', needed: 3, skills: ['bricolage'] }],
    },
    {
      title: 'Atelier de réparation de vélos',
      description: 'Un atelier ouvert où chacun apprend à entretenir son vélo avec l’aide de bénévoles.',
      missions: [
        {
          title: 'Mécanicien ou mécanicienne bénévole',
          when: 'Le samedi de 14 h à 17 h',
          needed: 2,
          skills: ['mécanique vélo'],
        },
      ],
    },
  ],
  cuisine: [
    {
      title: 'Repas partagés du jeudi',
      description: 'Un repas cuisiné ensemble et partagé entre voisins, ouvert à tous.',
      missions: [
        { title: 'Cuisiner le repas', when: 'Le jeudi de 10 h à 12 h', needed: 4, skills: ['cuisine'] },
        { title: 'Accueillir les convives', when: 'Le jeudi midi', needed: 2, skills: ['accueil'] },
      ],
    },
    {
      title: 'Ateliers cuisine anti-gaspi',
      description: 'On cuisine les invendus du marché et on partage recettes et astuces.',
      missions: [{ title: 'Collecter les invendus', when: 'Le samedi à 13 h', needed: 2, skills: [] }],
    },
  ],
  covoiturage: [
    {
      title: 'Navette solidaire vers l’hôpital',
      description: 'Des conducteurs bénévoles emmènent des habitants sans voiture à leurs rendez-vous médicaux.',
      missions: [
        {
          title: 'Conduire vers un rendez-vous',
          when: 'En semaine, selon vos disponibilités',
          needed: 5,
          skills: ['permis B'],
        },
      ],
    },
  ],
  conversation: [
    {
      title: 'Visites de convivialité',
      description: 'Des visites régulières chez des aînés qui vivent seuls, pour parler, jouer ou se promener.',
      missions: [
        { title: 'Rendre visite chaque semaine', when: 'Une heure par semaine', needed: 6, skills: ['écoute'] },
      ],
    },
    {
      title: 'Appels du matin',
      description: 'Un coup de fil chaleureux aux personnes isolées inscrites auprès du CCAS.',
      missions: [
        { title: 'Appeler trois personnes', when: 'Chaque matin de 9 h à 10 h', needed: 4, skills: ['écoute'] },
      ],
    },
  ],
  divers: [
    {
      title: 'Ateliers numériques',
      description: 'On aide à se servir d’un téléphone, d’une tablette ou à faire une démarche en ligne.',
      missions: [
        {
          title: 'Accompagner une démarche en ligne',
          when: 'Le mardi après-midi',
          needed: 3,
          skills: ['informatique'],
        },
      ],
    },
    {
      title: 'Nettoyage des berges',
      description: 'Une matinée de ramassage des déchets le long du fleuve, en famille ou entre amis.',
      missions: [{ title: 'Ramasser et trier', when: 'Le premier dimanche du mois', needed: 20, skills: [] }],
    },
  ],
};

export interface DemoOrganisationsPlan {
  organisations: Array<{
    id: string;
    name: string;
    kind: string;
    description: string;
    neighbourhoodId: string;
    managerId: string;
    createdAt: Date;
  }>;
  projects: Array<{
    id: string;
    organisationId: string;
    title: string;
    description: string;
    categoryId: string;
    location: LatLng;
    publicLocation: LatLng;
    ongoing: boolean;
    startsOn: string | null;
    createdBy: string;
    createdAt: Date;
  }>;
  missions: Array<{
    id: string;
    projectId: string;
    title: string;
    when: string;
    needed: number;
    skills: string[];
    createdBy: string;
    volunteers: string[];
  }>;
}

const DAY = 86_400_000;
/** Lyon's first weeks: 40 projects and more. */
export const DEMO_PROJECTS = 42;

export function planOrganisations(t: TenantFacts, residents: DemoAccount[], now: Date): DemoOrganisationsPlan {
  const random = new Random(`entraide-demo-organisations:${t.slug}`);
  const plan: DemoOrganisationsPlan = { organisations: [], projects: [], missions: [] };
  ORGANISATIONS.forEach((o, i) => {
    const hood = t.neighbourhoods[i % t.neighbourhoods.length];
    plan.organisations.push({
      ...o,
      id: demoId(`${t.slug}:organisation:${i}`),
      neighbourhoodId: hood.id,
      managerId: residents[i].id,
      createdAt: new Date(now.getTime() - random.between(60 * DAY, 90 * DAY)),
    });
  });
  const templates = t.categories.flatMap((c) =>
    (PROJECTS[c.slug] ?? PROJECTS.divers).map((p) => ({ ...p, categoryId: c.id })),
  );
  for (let n = 0; n < DEMO_PROJECTS; n++) {
    const organisation = plan.organisations[n % plan.organisations.length];
    const template = templates[n % templates.length];
    const hood = random.pick(t.neighbourhoods);
    const id = demoId(`${t.slug}:project:${n}`);
    const location = pointIn(hood.outline, random);
    const round = Math.floor(n / templates.length);
    const ongoing = random.chance(0.6);
    plan.projects.push({
      id,
      organisationId: organisation.id,
      title: round ? `${template.title} (${hood.name})` : template.title,
      description: `${template.description} Porté par ${organisation.name}.`,
      categoryId: template.categoryId,
      location,
      publicLocation: fuzzPoint(location, id, t.outline),
      ongoing,
      startsOn: ongoing ? null : new Date(now.getTime() + random.between(2 * DAY, 40 * DAY)).toISOString().slice(0, 10),
      createdBy: organisation.managerId,
      createdAt: new Date(now.getTime() - random.between(DAY, 50 * DAY)),
    });
    template.missions.forEach((m, k) => {
      const taken = random.int(0, m.needed);
      const volunteers = random.sample(residents.slice(ORGANISATIONS.length), taken).map((a) => a.id);
      plan.missions.push({
        id: demoId(`${t.slug}:mission:${n}:${k}`),
        projectId: id,
        title: m.title,
        when: m.when,
        needed: m.needed,
        skills: m.skills,
        createdBy: organisation.managerId,
        volunteers,
      });
    });
  }
  return plan;
}

/**
 * Writes the plan as the owner role inside the tenant's demo transaction; ON CONFLICT DO NOTHING keeps it idempotent.
 */
export async function insertOrganisations(tx: Tx, tenantId: string, plan: DemoOrganisationsPlan): Promise<void> {
  for (const o of plan.organisations) {
    await execute(
      tx,
      `INSERT INTO organisations (tenant_id, id, name, kind, description, neighbourhood_id, status, created_by,
        created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'published', $7, $8, $8) ON CONFLICT DO NOTHING`,
      [tenantId, o.id, o.name, o.kind, o.description, o.neighbourhoodId, o.managerId, o.createdAt],
    );
    await execute(
      tx,
      `INSERT INTO organisation_managers (tenant_id, organisation_id, account_id, role) VALUES ($1, $2, $3, ` +
        `'owner') ON CONFLICT DO NOTHING`,
      [tenantId, o.id, o.managerId],
    );
  }
  for (const p of plan.projects) {
    await execute(
      tx,
      `INSERT INTO projects (tenant_id, id, organisation_id, title, description, category_id, location,
        public_location, neighbourhood_id,
                             starts_on, ongoing, status, created_by, created_at, updated_at, published_at)
       VALUES ($1, $2, $3, $4, $5, $6, ${pointSql('$7', '$8')}, ${pointSql('$9', '$10')},
               (SELECT id FROM neighbourhoods WHERE tenant_id = $1 ORDER BY outline <-> ${pointSql('$7', '$8')} LIMIT
                 1),
               $11, $12, 'published', $13, $14, $14, $14) ON CONFLICT DO NOTHING`,
      [
        tenantId,
        p.id,
        p.organisationId,
        p.title,
        p.description,
        p.categoryId,
        p.location.lng,
        p.location.lat,
        p.publicLocation.lng,
        p.publicLocation.lat,
        p.startsOn,
        p.ongoing,
        p.createdBy,
        p.createdAt,
      ],
    );
  }
  for (const m of plan.missions) {
    await execute(
      tx,
      `INSERT INTO missions (tenant_id, id, project_id, title, when_text, volunteers_needed, volunteer_count, skills,
        created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`,
      [tenantId, m.id, m.projectId, m.title, m.when, m.needed, m.volunteers.length, m.skills, m.createdBy],
    );
    if (m.volunteers.length)
      await execute(
        tx,
        `INSERT INTO mission_volunteers (tenant_id, mission_id, account_id) SELECT $1, $2, unnest($3::uuid[]) ON ` +
          `CONFLICT DO NOTHING`,
        [tenantId, m.id, m.volunteers],
      );
  }
}
