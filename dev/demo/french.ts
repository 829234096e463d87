/**
 * The French words of the demo: names, places and the offers and requests neighbours write.
 * Placeholders in braces are filled per listing (see fill() in demo-plan.ts):
 *   {jour} samedi · {moment} matin · {quartier} Lyon 3e · {au_magasin} au marché ·
 *   {a_rdv} à la pharmacie · {vers} Part-Dieu · {matiere} maths · {niveau} collège ·
 *   {animal} mon chat · {bricole} monter une étagère · {plat} un gratin de courge
 * Nothing here may look like paid help, an e-mail address or a phone number: the demo must
 * pass the moderation rules it demonstrates.
 */

export const FIRST_NAMES = [
  'Marie',
  'Jeanne',
  'Françoise',
  'Monique',
  'Catherine',
  'Nathalie',
  'Isabelle',
  'Sylvie',
  'Martine',
  'Christine',
  'Nicole',
  'Sandrine',
  'Valérie',
  'Sophie',
  'Céline',
  'Julie',
  'Camille',
  'Léa',
  'Manon',
  'Emma',
  'Chloé',
  'Inès',
  'Sarah',
  'Laura',
  'Pauline',
  'Marion',
  'Anne',
  'Hélène',
  'Claire',
  'Élodie',
  'Aurélie',
  'Émilie',
  'Stéphanie',
  'Caroline',
  'Delphine',
  'Véronique',
  'Brigitte',
  'Danielle',
  'Chantal',
  'Josiane',
  'Odile',
  'Geneviève',
  'Colette',
  'Simone',
  'Yvette',
  'Suzanne',
  'Lucie',
  'Louise',
  'Alice',
  'Zoé',
  'Lina',
  'Jade',
  'Rose',
  'Anaïs',
  'Mathilde',
  'Charlotte',
  'Juliette',
  'Margaux',
  'Clémence',
  'Agathe',
  'Amandine',
  'Fatima',
  'Amina',
  'Nadia',
  'Leïla',
  'Yasmine',
  'Samia',
  'Aïcha',
  'Mireille',
  'Agnès',
  'Bernadette',
  'Fabienne',
  'Corinne',
  'Laurence',
  'Florence',
  'Patricia',
  'Karine',
  'Marie-Claire',
  'Anne-Sophie',
  'Linh',
  'Jean',
  'Pierre',
  'Michel',
  'André',
  'Philippe',
  'Alain',
  'Bernard',
  'Jacques',
  'Daniel',
  'Patrick',
  'Christian',
  'Nicolas',
  'Christophe',
  'Laurent',
  'Frédéric',
  'Stéphane',
  'Sébastien',
  'Julien',
  'Thomas',
  'David',
  'Olivier',
  'Éric',
  'Pascal',
  'Thierry',
  'Didier',
  'Gérard',
  'Marc',
  'Vincent',
  'Antoine',
  'Maxime',
  'Alexandre',
  'Romain',
  'Guillaume',
  'Hugo',
  'Lucas',
  'Louis',
  'Gabriel',
  'Arthur',
  'Jules',
  'Léo',
  'Raphaël',
  'Nathan',
  'Théo',
  'Paul',
  'Mathis',
  'Tom',
  'Adam',
  'Mohamed',
  'Karim',
  'Mehdi',
  'Youssef',
  'Rachid',
  'Samir',
  'Bruno',
  'Denis',
  'Gilles',
  'Yves',
  'René',
  'Marcel',
  'Henri',
  'Claude',
  'Serge',
  'Joël',
  'Hervé',
  'Franck',
  'François',
  'Benoît',
  'Cédric',
  'Damien',
  'Jérôme',
  'Xavier',
  'Baptiste',
  'Quentin',
  'Clément',
  'Florian',
  'Kévin',
  'Jean-Pierre',
  'Jean-Luc',
  'Moussa',
  'Ousmane',
];

/** One word each (the public name keeps the initial of the last word); every letter A–Z starts at least one. */
export const LAST_NAMES = [
  'Arnaud',
  'Aubert',
  'André',
  'Bernard',
  'Bonnet',
  'Blanc',
  'Brun',
  'Bouvier',
  'Chevalier',
  'Clément',
  'Colin',
  'Caron',
  'Dubois',
  'Durand',
  'Dupont',
  'Dumas',
  'Diallo',
  'Étienne',
  'Eymard',
  'Fournier',
  'Faure',
  'Fontaine',
  'Fabre',
  'Girard',
  'Garnier',
  'Gauthier',
  'Guérin',
  'Garcia',
  'Haddad',
  'Henry',
  'Hubert',
  'Huet',
  'Imbert',
  'Idir',
  'Jacob',
  'Joly',
  'Julien',
  'Klein',
  'Kaya',
  'Keller',
  'Laurent',
  'Lefebvre',
  'Leroy',
  'Lambert',
  'Lemoine',
  'Lopez',
  'Martin',
  'Moreau',
  'Michel',
  'Mercier',
  'Morel',
  'Masson',
  'Meunier',
  'Nguyen',
  'Nicolas',
  'Noël',
  'Olivier',
  'Ollivier',
  'Petit',
  'Perrin',
  'Picard',
  'Pelletier',
  'Quéré',
  'Quillet',
  'Robert',
  'Richard',
  'Roux',
  'Rousseau',
  'Robin',
  'Renaud',
  'Simon',
  'Schmitt',
  'Sanchez',
  'Thomas',
  'Traoré',
  'Tessier',
  'Ursulet',
  'Vincent',
  'Vidal',
  'Vasseur',
  'Weber',
  'Wagner',
  'Xavier',
  'Yilmaz',
  'Yvon',
  'Zimmermann',
  'Zeller',
  'Benali',
  'Ferreira',
  'Mendes',
];

export const WEEKDAYS = ['lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi', 'dimanche'] as const;

/** Parts of the day and the availability slot each stands for. */
export const MOMENTS = [
  { word: 'matin', times: '09:00-12:00' },
  { word: 'après-midi', times: '14:00-17:00' },
  { word: 'soir', times: '18:00-20:00' },
] as const;

export const SUBJECTS = [
  'maths',
  'français',
  'anglais',
  'histoire-géo',
  'physique-chimie',
  'SVT',
  'espagnol',
  'allemand',
];
export const LEVELS = ['primaire', 'collège', 'lycée', '6e', '3e', 'CM2', 'seconde'];
export const PETS = ['mon chat', 'mon chien', 'mes deux chats', 'mon lapin', 'mes poules', 'ma vieille chienne'];
export const ODD_JOBS = [
  'monter un meuble',
  'fixer une étagère',
  'changer une ampoule au plafond',
  'réparer une chasse d’eau',
  'poser une tringle à rideaux',
  'changer un joint de robinet',
  'réparer un vélo',
  'accrocher des cadres',
];
export const DISHES = [
  'un gratin de courge',
  'une soupe de légumes de saison',
  'des confitures',
  'un pot-au-feu',
  'des plats à congeler',
  'une ratatouille',
  'un cake salé',
  'des compotes',
];

export const AVAILABILITY_TEXTS = [
  'En semaine après 18 h',
  'Le week-end',
  'Plutôt le matin',
  'Les mercredis après-midi',
  'À convenir ensemble',
  'En journée, je suis à la retraite',
];

/** Places of each commune, in the forms the templates need; `default` serves a commune without its own. */
export const PLACES: Record<string, { shops: string[]; appointments: string[]; destinations: string[] }> = {
  lyon: {
    shops: [
      'au marché de la Croix-Rousse',
      'au marché Saint-Antoine',
      'aux halles Paul-Bocuse',
      'au supermarché du quartier',
      'à la supérette',
      'à la boulangerie',
    ],
    appointments: [
      'à l’hôpital Édouard-Herriot',
      'à la Croix-Rousse (hôpital)',
      'à la mairie d’arrondissement',
      'chez le médecin',
      'à la pharmacie',
      'à la CAF',
    ],
    destinations: [
      'Part-Dieu',
      'Perrache',
      'Confluence',
      'Bellecour',
      'l’hôpital Lyon Sud',
      'Vaulx-en-Velin',
      'la gare de Vaise',
    ],
  },
  grenoble: {
    shops: [
      'au marché de l’Estacade',
      'aux halles Sainte-Claire',
      'au marché Saint-Bruno',
      'au supermarché du quartier',
      'à la supérette',
      'à la boulangerie',
    ],
    appointments: [
      'au CHU Grenoble Alpes',
      'à la maison de santé',
      'à la mairie annexe',
      'chez le médecin',
      'à la pharmacie',
      'au CCAS',
    ],
    destinations: ['la gare de Grenoble', 'le CHU', 'la Presqu’île', 'Échirolles', 'le campus'],
  },
  metropole: {
    shops: ['au marché de la place', 'au supermarché', 'à la supérette', 'à la boulangerie', 'au marché du samedi'],
    appointments: [
      'au CHU Grenoble Alpes',
      'à la clinique',
      'à la mairie',
      'chez le médecin',
      'à la pharmacie',
      'au CCAS',
    ],
    destinations: ['la gare de Grenoble', 'le CHU', 'le centre de Grenoble', 'la clinique'],
  },
  meylan: {
    shops: ['au marché des Béalières', 'au marché de Meylan', 'au supermarché', 'à la supérette', 'à la boulangerie'],
    appointments: [
      'au CHU Grenoble Alpes',
      'à la maison médicale',
      'à la mairie',
      'chez le médecin',
      'à la pharmacie',
      'au CCAS',
    ],
    destinations: ['la gare de Grenoble', 'le CHU', 'Inovallée', 'le centre de Grenoble'],
  },
  seyssins: {
    shops: ['au marché de Seyssins', 'au supermarché', 'à la supérette', 'à la boulangerie'],
    appointments: [
      'au CHU Grenoble Alpes',
      'à la maison de santé',
      'à la mairie',
      'chez le médecin',
      'à la pharmacie',
      'au CCAS',
    ],
    destinations: ['la gare de Grenoble', 'le CHU', 'le centre de Grenoble', 'Seyssinet'],
  },
  default: {
    shops: ['au marché', 'au supermarché', 'à la supérette', 'à la boulangerie'],
    appointments: ['à la mairie', 'chez le médecin', 'à la pharmacie', 'au CCAS'],
    destinations: ['la gare', 'l’hôpital', 'le centre-ville'],
  },
};

export interface ListingTemplate {
  title: string;
  description: string;
}

export interface CategoryTemplates {
  offer: ListingTemplate[];
  request: ListingTemplate[];
}

/** Per category slug of the federations' catalogues; a category without templates uses `divers`. */
export const LISTING_TEMPLATES: Record<string, CategoryTemplates> = {
  courses: {
    offer: [
      {
        title: 'Je fais vos courses le {jour} {moment}',
        description:
          'Je fais mes courses {au_magasin} tous les {jour}s {moment} : je peux prendre les vôtres en même temps ' +
          'et vous les déposer. J’habite côté {quartier}.',
      },
      {
        title: 'Courses pour une personne âgée ou isolée',
        description:
          'À la retraite et disponible, je peux faire vos courses une ou deux fois par semaine, de préférence le ' +
          '{jour}. Donnez-moi votre liste, je m’occupe du reste.',
      },
      {
        title: 'Je passe {au_magasin}, besoin de quelque chose ?',
        description:
          'Je vais {au_magasin} le {jour} {moment}. Si vous ne pouvez pas vous déplacer, je vous rapporte ce ' +
          'qu’il vous faut.',
      },
      {
        title: 'Aide pour les courses lourdes (eau, lait, lessive)',
        description:
          'J’ai une voiture et de bons bras : je peux vous rapporter les packs d’eau et les courses lourdes le ' +
          '{jour}. Quartier {quartier} et alentours.',
      },
      {
        title: 'Retrait de médicaments à la pharmacie',
        description:
          'Je peux aller chercher vos médicaments à la pharmacie (avec votre ordonnance) et vous les apporter le ' +
          'jour même, plutôt en fin de journée.',
      },
      {
        title: 'Courses du marché le {jour} matin',
        description:
          'Je vais au marché chaque {jour} matin. Fruits, légumes, fromage : dites-moi ce qui vous ferait ' +
          'plaisir, je vous le dépose en rentrant.',
      },
      {
        title: 'Je peux faire vos courses en semaine',
        description:
          'J’étudie à deux pas, côté {quartier}, et j’ai du temps en semaine après les cours. Je fais vos courses ' +
          'et je vous les monte, même sans ascenseur.',
      },
      {
        title: 'Dépôt de courses devant votre porte',
        description:
          'Pour les personnes fragiles ou en convalescence : je fais vos courses et je les dépose devant votre ' +
          'porte, sans contact si vous préférez.',
      },
    ],
    request: [
      {
        title: 'Cherche quelqu’un pour mes courses du {jour}',
        description:
          'Je me déplace difficilement depuis mon opération. Je cherche un voisin pour faire quelques courses ' +
          '{au_magasin}, une fois par semaine.',
      },
      {
        title: 'Besoin d’aide pour porter les packs d’eau',
        description:
          'J’habite au 4e sans ascenseur côté {quartier}. Quelqu’un pourrait-il m’aider à monter les packs d’eau ' +
          'de temps en temps ?',
      },
      {
        title: 'Courses pour ma mère pendant mon absence',
        description:
          'Je pars deux semaines et ma mère, qui vit seule côté {quartier}, aurait besoin qu’on lui fasse ' +
          'quelques courses le {jour}.',
      },
      {
        title: 'Qui peut passer à la pharmacie pour moi ?',
        description:
          'Je suis malade cette semaine et je ne peux pas sortir. J’aurais besoin qu’on aille chercher mon ' +
          'traitement à la pharmacie.',
      },
      {
        title: 'Aide ponctuelle pour les courses',
        description:
          'Avec des jumeaux de six mois, j’aurais bien besoin d’un coup de main pour les courses {au_magasin}, ' +
          'idéalement le {jour} {moment}.',
      },
    ],
  },
  'aide-aux-devoirs': {
    offer: [
      {
        title: 'Aide aux devoirs de {matiere} niveau {niveau}',
        description:
          'J’ai enseigné pendant trente ans : je propose d’aider un enfant en {matiere} ({niveau}), le {jour} ' +
          '{moment}, chez vous ou à la médiathèque.',
      },
      {
        title: 'Soutien en {matiere} pour collégiens',
        description:
          'En licence à l’université, je peux expliquer les leçons de {matiere} et aider à préparer les ' +
          'contrôles. Disponible le {jour} {moment}.',
      },
      {
        title: 'Accompagnement aux devoirs après l’école',
        description:
          'Je peux accompagner un ou deux enfants de primaire pour les devoirs du soir, une ou deux fois par ' +
          'semaine, côté {quartier}.',
      },
      {
        title: 'Révisions du brevet en {matiere}',
        description:
          'Je propose des séances de révision en {matiere} pour le brevet : méthode, exercices, confiance en soi. ' +
          'Le {jour} {moment}.',
      },
      {
        title: 'Lecture et français pour les petits',
        description:
          'La lecture est ma passion : j’aide les enfants qui ont du mal à lire. Séances courtes et ludiques, le ' +
          '{jour} après-midi.',
      },
      {
        title: 'Aide en anglais, conversation et grammaire',
        description:
          'J’ai vécu dix ans à l’étranger : je peux aider un lycéen à progresser en anglais oral et écrit. Le ' +
          '{jour} {moment}.',
      },
      {
        title: 'Aide à la méthodologie et à l’organisation',
        description:
          'Apprendre à s’organiser, faire des fiches, planifier ses révisions : j’accompagne les collégiens et ' +
          'lycéens qui se sentent débordés.',
      },
    ],
    request: [
      {
        title: 'Cherche aide en {matiere} pour mon fils ({niveau})',
        description:
          'Mon fils décroche en {matiere} cette année. Nous cherchons quelqu’un de patient pour l’aider une fois ' +
          'par semaine, idéalement le {jour}.',
      },
      {
        title: 'Aide aux devoirs pour ma fille en primaire',
        description:
          'Je rentre tard du travail. Ma fille aurait besoin d’aide pour ses devoirs deux soirs par semaine, côté ' +
          '{quartier}.',
      },
      {
        title: 'Besoin d’aide pour préparer le bac de {matiere}',
        description:
          'En terminale, je cherche quelqu’un pour m’aider à réviser le {matiere} avant les épreuves. Disponible ' +
          'le {jour} {moment}.',
      },
      {
        title: 'Soutien en français pour un adolescent arrivé récemment',
        description:
          'Notre neveu est arrivé en France cette année et entre au collège. Il aurait besoin d’aide en français ' +
          'pour suivre en classe.',
      },
    ],
  },
  'conversations-a-distance': {
    offer: [
      {
        title: 'Appel hebdomadaire pour discuter',
        description:
          'J’aime les longues conversations : je peux appeler chaque semaine une personne qui se sent seule, le ' +
          '{jour} {moment}, pour parler de tout et de rien.',
      },
      {
        title: 'Un coup de fil pour prendre des nouvelles',
        description:
          'Je propose d’appeler régulièrement une personne âgée ou isolée, par téléphone ou en visio, pour ' +
          'prendre des nouvelles et papoter.',
      },
      {
        title: 'Discussions en visio autour des livres',
        description:
          'Je lis énormément et je propose d’échanger par visio sur vos lectures une fois par semaine. Les romans ' +
          'policiers sont mes préférés !',
      },
      {
        title: 'Appels réguliers pendant la convalescence',
        description:
          'Vous êtes immobilisé quelque temps ? Je vous appelle le {jour} pour discuter un moment et voir si tout ' +
          'va bien.',
      },
      {
        title: 'Bavarder au téléphone le {jour} {moment}',
        description:
          'J’ai travaillé quarante ans sur les trains et j’ai toujours des histoires à raconter. Je propose un ' +
          'appel par semaine pour rompre la solitude.',
      },
      {
        title: 'Conversation en anglais ou en espagnol',
        description:
          'Pour garder le contact avec une langue ou simplement discuter : je propose des appels en anglais ou en ' +
          'espagnol, le {jour} {moment}.',
      },
    ],
    request: [
      {
        title: 'Je cherche quelqu’un avec qui parler',
        description:
          'Depuis le décès de mon conjoint, je n’ai plus de famille à proximité. J’aimerais recevoir un appel de ' +
          'temps en temps pour discuter un peu.',
      },
      {
        title: 'Appels pour mon père qui vit seul',
        description:
          'Mon père vit seul côté {quartier} et se sent isolé. Un appel par semaine, le {jour} par exemple, lui ' +
          'ferait beaucoup de bien.',
      },
      {
        title: 'Envie de discuter en visio le {jour}',
        description:
          'Je sors peu depuis mon accident. J’aimerais échanger en visio avec quelqu’un, sur la cuisine, le ' +
          'jardinage ou l’actualité.',
      },
    ],
  },
  conversation: {
    offer: [
      {
        title: 'Appel hebdomadaire pour discuter',
        description:
          'Je peux appeler chaque semaine une personne isolée, le {jour} {moment}, pour prendre des nouvelles et ' +
          'parler de tout et de rien.',
      },
      {
        title: 'Un moment d’échange au téléphone',
        description:
          'J’ai du temps et j’aime parler : je propose un appel régulier à une personne qui se sent seule. Par ' +
          'téléphone ou en visio, comme vous préférez.',
      },
      {
        title: 'Rompre l’isolement, un appel à la fois',
        description:
          'Je travaille à domicile et j’ai des pauses : je peux appeler un voisin isolé une ou deux fois par ' +
          'semaine, côté {quartier} ou ailleurs.',
      },
      {
        title: 'Discussions sur le cinéma et les séries',
        description:
          'Cinéphile, je propose de discuter films et séries en visio le {jour} {moment}. Pour le plaisir de ' +
          'partager !',
      },
      {
        title: 'Prendre des nouvelles de nos aînés',
        description:
          'Je propose de téléphoner régulièrement à une personne âgée, pour un moment convivial et pour vérifier ' +
          'que tout va bien.',
      },
    ],
    request: [
      {
        title: 'Cherche un compagnon de conversation',
        description:
          'Je n’ai plus beaucoup de monde autour de moi et j’aimerais recevoir un appel de temps en temps pour ' +
          'discuter, le {jour} {moment} de préférence.',
      },
      {
        title: 'Appels pour ma grand-mère',
        description:
          'Ma grand-mère vit seule côté {quartier} et je suis loin. Quelqu’un pourrait-il l’appeler une fois par ' +
          'semaine ?',
      },
      {
        title: 'Envie de parler de jardinage',
        description:
          'J’ai jardiné toute ma vie mais je ne peux plus sortir beaucoup. J’aimerais discuter avec un passionné ' +
          'de plantes, au téléphone ou en visio.',
      },
    ],
  },
  accompagnement: {
    offer: [
      {
        title: 'Accompagnement à vos rendez-vous médicaux',
        description:
          'Je peux vous accompagner {a_rdv} ou à un rendez-vous médical, à pied ou en transports, le {jour} {moment}.',
      },
      {
        title: 'Je vous accompagne pour vos démarches',
        description:
          'Mairie, CAF, banque : je peux vous accompagner pour vos démarches et vous aider à remplir les papiers. ' +
          'Côté {quartier}.',
      },
      {
        title: 'Promenade accompagnée le {jour} après-midi',
        description:
          'Vous n’osez plus sortir seul ? Je propose de vous accompagner pour une promenade au parc ou dans le ' +
          'quartier, à votre rythme.',
      },
      {
        title: 'Accompagnement {a_rdv}',
        description:
          'Disponible en semaine, je peux vous accompagner {a_rdv} et attendre avec vous. J’habite côté {quartier}.',
      },
      {
        title: 'Sortie de l’hôpital : je vous raccompagne',
        description:
          'Je peux venir vous chercher à la sortie d’une consultation ou d’une hospitalisation et vous ' +
          'raccompagner chez vous.',
      },
      {
        title: 'Aller voter ou faire une procuration',
        description:
          'Je peux vous accompagner au bureau de vote ou au commissariat pour établir une procuration, le {jour} ' +
          '{moment}.',
      },
    ],
    request: [
      {
        title: 'Besoin d’un accompagnement {a_rdv}',
        description:
          'J’ai un rendez-vous le {jour} {moment} et je ne peux plus y aller sans aide depuis ma chute. Quelqu’un ' +
          'pourrait-il m’accompagner ?',
      },
      {
        title: 'Accompagnement pour des analyses',
        description:
          'Je dois faire des analyses à jeun et je préfère avoir quelqu’un avec moi. Le laboratoire est à dix ' +
          'minutes à pied, côté {quartier}.',
      },
      {
        title: 'Cherche quelqu’un pour m’aider à la mairie',
        description:
          'Je dois refaire ma carte d’identité et je m’y perds. J’aurais besoin de quelqu’un pour m’accompagner ' +
          'et m’aider avec les papiers.',
      },
      {
        title: 'Promenade avec mon mari malvoyant',
        description:
          'Mon mari aimerait sortir marcher mais je ne peux pas toujours l’accompagner. Un voisin disponible le ' +
          '{jour} après-midi ?',
      },
    ],
  },
  bricolage: {
    offer: [
      {
        title: 'Petits travaux de bricolage',
        description:
          'Je bricole beaucoup et j’ai tout l’outillage : je peux vous aider à {bricole} ou pour tout autre petit ' +
          'travail, le {jour} {moment}.',
      },
      {
        title: 'Je vous aide à {bricole}',
        description:
          'J’ai l’outillage et l’habitude : je peux passer vous aider à {bricole}. Côté {quartier} ou pas trop loin.',
      },
      {
        title: 'Montage de meubles en kit',
        description:
          'Les notices ne me font pas peur : je peux monter vos meubles en kit, le {jour} {moment}. Apportez le ' +
          'café, j’apporte la visseuse !',
      },
      {
        title: 'Prêt d’outils et conseils de bricolage',
        description:
          'Perceuse, escabeau, caisse à outils : je prête mon matériel et je donne des conseils pour vos petits ' +
          'travaux.',
      },
      {
        title: 'Réparation de vélos',
        description:
          'Crevaison, freins, dérailleur : je répare les vélos des voisins le {jour} {moment}, et je montre ' +
          'comment faire soi-même.',
      },
      {
        title: 'Aide pour un petit déménagement',
        description:
          'J’ai une camionnette et je peux aider pour transporter quelques meubles dans le quartier, le {jour}.',
      },
      {
        title: 'Remplacement de prises et d’interrupteurs',
        description:
          'J’ai travaillé dans l’électricité toute ma vie : je peux vous aider à changer une prise, un ' +
          'interrupteur ou un luminaire, en toute sécurité.',
      },
    ],
    request: [
      {
        title: 'Besoin d’aide pour {bricole}',
        description:
          'Je n’ai ni les outils ni le savoir-faire pour {bricole}. Un voisin bricoleur pourrait-il passer le ' +
          '{jour} {moment} ?',
      },
      {
        title: 'Cherche une perceuse et un coup de main',
        description:
          'J’ai des étagères à fixer au mur côté {quartier}. Quelqu’un aurait-il une perceuse et un peu de temps ?',
      },
      {
        title: 'Porte de placard qui ne ferme plus',
        description:
          'La porte de mon placard s’est décrochée. J’aurais besoin de quelqu’un pour la remettre en place, le ' +
          '{jour} si possible.',
      },
      {
        title: 'Aide pour monter un lit',
        description:
          'Je viens d’emménager et je n’arrive pas à monter le lit de mon fils sans aide. Un coup de main serait ' +
          'le bienvenu.',
      },
    ],
  },
  'garde-d-animaux': {
    offer: [
      {
        title: 'Promenade de chiens en semaine',
        description:
          'J’adore les chiens et je marche tous les jours : je peux promener le vôtre le {jour} {moment}, côté ' +
          '{quartier}.',
      },
      {
        title: 'Je nourris votre chat pendant vos vacances',
        description:
          'Je peux passer nourrir votre chat, changer sa litière et lui faire un câlin pendant votre absence. ' +
          'J’habite côté {quartier}.',
      },
      {
        title: 'Garde de petits animaux',
        description:
          'Lapin, cochon d’Inde, poissons : je peux garder vos petits animaux chez moi pendant un week-end ou une ' +
          'semaine.',
      },
      {
        title: 'Sortie du chien pour les personnes hospitalisées',
        description:
          'Vous êtes hospitalisé ou immobilisé ? Je peux sortir votre chien matin et soir le temps qu’il faudra.',
      },
      {
        title: 'Arrosage des plantes et nourriture des chats',
        description:
          'Pendant vos absences, je passe arroser les plantes et nourrir les chats, le {jour} et plus si besoin.',
      },
    ],
    request: [
      {
        title: 'Quelqu’un pour nourrir {animal} ?',
        description: 'Je pars une semaine et je cherche un voisin pour nourrir {animal}. J’habite côté {quartier}.',
      },
      {
        title: 'Promenade de mon chien le {jour} {moment}',
        description:
          'Je me suis cassé la jambe et je ne peux plus sortir mon chien. Il est gentil et calme, une promenade ' +
          'par jour suffirait.',
      },
      {
        title: 'Garde de {animal} pendant une hospitalisation',
        description:
          'Je vais passer quelques jours à l’hôpital. Je cherche quelqu’un de confiance pour s’occuper de {animal}.',
      },
    ],
  },
  cuisine: {
    offer: [
      {
        title: 'Conseils pour cuisiner de saison',
        description:
          'La cuisine est ma passion : je partage par téléphone ou en visio mes idées pour cuisiner les légumes ' +
          'de saison sans se ruiner.',
      },
      {
        title: 'Recettes anti-gaspillage en visio',
        description:
          'Un reste de pain, des légumes fatigués ? Je vous montre en visio comment en faire de bons plats, le ' +
          '{jour} {moment}.',
      },
      {
        title: 'Je vous apprends à faire {plat}',
        description:
          'Je propose une séance de cuisine en visio pour préparer ensemble {plat}. Simple, rapide et économique.',
      },
      {
        title: 'Conseils pour cuisiner pour une personne',
        description:
          'Cuisiner pour soi seul, c’est parfois décourageant. Je partage mes astuces pour des repas variés et ' +
          'faciles, au téléphone.',
      },
      {
        title: 'Idées de menus pour la semaine',
        description:
          'Je vous aide à préparer vos menus et votre liste de courses pour la semaine, par téléphone le {jour} ' +
          '{moment}.',
      },
      {
        title: 'Cuisine pour diabétiques : mes astuces',
        description:
          'Diabétique depuis vingt ans, je partage mes recettes et conseils pour manger bon et équilibré, en ' +
          'visio ou au téléphone.',
      },
    ],
    request: [
      {
        title: 'Cherche des idées pour cuisiner de saison',
        description:
          'Je reçois un panier de légumes chaque semaine et je ne sais pas toujours quoi en faire. Des conseils ' +
          'par téléphone ?',
      },
      {
        title: 'Apprendre à cuisiner {plat}',
        description:
          'Je fais mes études et je mange trop de pâtes ! J’aimerais apprendre à faire {plat} avec quelqu’un en visio.',
      },
      {
        title: 'Recettes simples pour mon père',
        description:
          'Mon père vit seul depuis peu et ne cuisine pas. Quelqu’un pourrait-il lui donner des idées simples au ' +
          'téléphone ?',
      },
    ],
  },
  covoiturage: {
    offer: [
      {
        title: 'Covoiturage vers {vers} le {jour}',
        description:
          'Je vais vers {vers} tous les {jour}s {moment}. Je peux prendre un ou deux voisins au passage, départ ' +
          'côté {quartier}.',
      },
      {
        title: 'Place libre pour vos rendez-vous médicaux',
        description:
          'Je peux vous conduire à un rendez-vous médical et vous ramener, le {jour} {moment}. Voiture adaptée ' +
          'pour un fauteuil pliant.',
      },
      {
        title: 'Trajet hebdomadaire vers {vers}',
        description:
          'Chaque semaine je passe par {vers}. Si vous avez besoin d’y aller, il y a de la place dans ma voiture.',
      },
      {
        title: 'Je vous emmène faire les grandes courses',
        description:
          'Une fois par mois, je vais faire de grosses courses en voiture le {jour} {moment}. Je peux emmener un ' +
          'voisin sans voiture.',
      },
      {
        title: 'Covoiturage pour les sorties du week-end',
        description:
          'Je vais souvent marcher dans les monts du Lyonnais le week-end. Une place est libre pour un voisin qui ' +
          'aimerait venir.',
      },
      {
        title: 'Dépôt à la gare tôt le matin',
        description: 'Je pars tôt le {jour} : je peux déposer quelqu’un à {vers} au passage, bagages compris.',
      },
    ],
    request: [
      {
        title: 'Cherche covoiturage vers {vers} le {jour}',
        description:
          'J’ai un rendez-vous vers {vers} le {jour} {moment} et je n’ai pas de voiture. Quelqu’un fait-il le trajet ?',
      },
      {
        title: 'Besoin d’un chauffeur pour l’hôpital',
        description:
          'J’ai des séances de soins régulières et je ne peux pas conduire. Un voisin pourrait-il m’y conduire le ' +
          '{jour} ?',
      },
      {
        title: 'Transport d’un meuble vers {vers}',
        description:
          'J’ai un petit meuble à transporter vers {vers}. Il rentre dans un coffre de break. Merci d’avance !',
      },
    ],
  },
  divers: {
    offer: [
      {
        title: 'Imprimer une attestation ou un document',
        description:
          'J’ai une imprimante et un scanner : je peux imprimer ou scanner vos documents (attestation, ' +
          'formulaire, billet). Côté {quartier}.',
      },
      {
        title: 'Aide informatique pour débutants',
        description:
          'Je peux vous aider à utiliser votre ordinateur, votre tablette ou votre téléphone : envoyer une photo, ' +
          'faire une visio, se connecter à un site.',
      },
      {
        title: 'Aide pour les démarches en ligne',
        description:
          'Impôts, Ameli, rendez-vous sur internet : je vous aide à faire vos démarches en ligne, le {jour} {moment}.',
      },
      {
        title: 'Arrosage de vos plantes pendant vos vacances',
        description:
          'Je peux arroser vos plantes et relever votre courrier pendant votre absence. J’habite côté {quartier}.',
      },
      {
        title: 'Écrivain public bénévole',
        description:
          'Je vous aide à rédiger un courrier, une lettre de motivation ou un dossier administratif, le {jour} ' +
          '{moment}.',
      },
      {
        title: 'Prêt de jeux de société et de livres',
        description:
          'J’ai beaucoup de jeux de société et de livres pour enfants que je prête volontiers aux familles du ' +
          'quartier.',
      },
      {
        title: 'Aide au jardin et à la taille des haies',
        description:
          'J’aime jardiner : je peux vous aider à tailler une haie, désherber ou planter, le {jour} {moment}.',
      },
      {
        title: 'Installation d’une box internet ou d’une imprimante',
        description:
          'Je m’y connais en informatique et je peux installer votre box, votre imprimante ou configurer votre ' +
          'nouveau téléphone.',
      },
    ],
    request: [
      {
        title: 'Besoin d’imprimer une attestation',
        description:
          'Je n’ai pas d’imprimante et je dois imprimer une attestation pour demain. Quelqu’un côté {quartier} ' +
          'pourrait-il m’aider ?',
      },
      {
        title: 'Aide pour utiliser ma tablette',
        description:
          'Mes petits-enfants m’ont offert une tablette mais je ne sais pas m’en servir. Quelqu’un de patient ' +
          'pour m’expliquer ?',
      },
      {
        title: 'Aide pour prendre un rendez-vous en ligne',
        description:
          'Je n’arrive pas à prendre rendez-vous chez le médecin sur internet. J’aurais besoin d’aide le {jour} ' +
          '{moment}.',
      },
      {
        title: 'Cherche quelqu’un pour relever mon courrier',
        description:
          'Je pars trois semaines chez ma fille. Un voisin pourrait-il relever mon courrier et arroser mes plantes ?',
      },
      {
        title: 'Aide pour remplir un dossier de retraite',
        description:
          'Le dossier de retraite est compliqué et je m’y perds. J’aurais besoin d’un coup de main pour le remplir.',
      },
    ],
  },
};

/** Appended to some descriptions, so that two listings from one template rarely read the same. */
export const CLOSINGS: Record<'offer' | 'request', string[]> = {
  offer: [
    'N’hésitez pas à m’écrire par la messagerie du site.',
    'Au plaisir de vous rendre service !',
    'Je suis assez disponible, on s’arrange facilement.',
    'C’est avec plaisir, entre voisins.',
    'Écrivez-moi, on en discute.',
    'Je peux aussi dépanner au dernier moment.',
  ],
  request: [
    'Merci d’avance !',
    'Merci beaucoup à la personne qui pourra m’aider.',
    'Je suis assez souple sur les horaires.',
    'Même une aide ponctuelle me rendrait service.',
    'Merci de me répondre par la messagerie du site.',
  ],
};

/**
 * Conversations: the neighbour who writes first, then the author, alternately. `{jour}` and
 * `{moment}` are filled like the listing's.
 */
export const CONVERSATION_LINES: Record<'offer' | 'request', string[][]> = {
  offer: [
    [
      'Bonjour, votre proposition m’intéresse beaucoup ! Seriez-vous disponible le {jour} {moment} ?',
      'Bonjour, oui avec plaisir. Le {jour} {moment} me convient très bien.',
      'Parfait, merci beaucoup. Je vous indique mon adresse exacte ici dès que possible.',
      'Très bien, à {jour} alors !',
    ],
    [
      'Bonjour, est-ce que votre annonce est toujours d’actualité ?',
      'Bonjour ! Oui, toujours. De quoi auriez-vous besoin ?',
      'Ce serait pour ma voisine du dessus, qui ne sort plus beaucoup. Merci d’avance.',
    ],
    [
      'Bonsoir, ce serait pour ma mère qui habite tout près. Comment pouvons-nous nous organiser ?',
      'Bonsoir, avec plaisir. Dites-moi ce qui l’arrangerait, je suis assez souple en semaine.',
    ],
    [
      'Bonjour, merci pour cette belle initiative. Pourriez-vous m’aider cette semaine ?',
      'Bonjour, oui bien sûr. Je peux passer le {jour} {moment}, cela vous va ?',
      'C’est parfait, merci infiniment !',
    ],
  ],
  request: [
    [
      'Bonjour, je peux vous aider. Quand cela vous arrangerait-il ?',
      'Bonjour, merci beaucoup ! Le {jour} {moment} serait idéal pour moi.',
      'C’est noté, je passe le {jour} {moment}.',
      'Merci, c’est vraiment gentil.',
    ],
    [
      'Bonjour, j’ai vu votre demande. Je suis disponible le {jour}, est-ce que ça vous irait ?',
      'Bonjour, oui, ce serait parfait. Merci de votre gentillesse !',
    ],
    [
      'Bonsoir, j’habite à deux rues de chez vous et je peux vous donner un coup de main.',
      'Bonsoir, c’est très gentil ! On peut convenir d’un moment ici ?',
      'Bien sûr, le {jour} {moment} par exemple ?',
    ],
    [
      'Bonjour, votre demande est-elle toujours d’actualité ? Je peux vous aider avec plaisir.',
      'Bonjour, oui toujours ! Merci beaucoup de votre message.',
      'Avec plaisir. Je vous propose le {jour} {moment}.',
    ],
  ],
};
