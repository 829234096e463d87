/** The line shown above a project's or a mission's page after an action, by the `fait` query parameter. */
export const NOTICES: Record<string, string> = {
  inscrit: 'Vous êtes inscrit(e) : les responsables du projet vous écriront par le site.',
  desinscrit: 'Vous êtes désinscrit(e) de cette mission.',
  mission: 'La mission est publiée.',
  projet: 'Le projet est enregistré.',
  image: 'L’image du projet est enregistrée.',
  message: 'Votre message est envoyé aux bénévoles.',
  modifie: 'Les modifications du projet sont enregistrées.',
  clos: 'Le projet est clos : il n’apparaît plus sur les pages publiques.',
  cloture:
    'Les inscriptions à cette mission sont closes. Les alertes qui n’étaient pas encore parties ne seront pas ' +
    'envoyées.',
  reouverture: 'Les inscriptions à cette mission sont de nouveau ouvertes.',
};
