import { STAFF_ROLES } from '@src/accounts/roles';
import { PageRoles } from '@src/web/page-guard';

/** The town-hall team's pages: staff roles only. */
export const StaffPage = () => PageRoles(STAFF_ROLES, 'Cette page est réservée à l’équipe de la mairie.');

/** The line shown above a page after an action, by the `fait` query parameter. */
export const NOTICES: Record<string, string> = {
  inscrit: 'Le résident est inscrit. Vous pouvez publier une annonce pour lui ou pour elle.',
  modifie: 'Les informations sont enregistrées.',
  efface: 'Le résident est effacé : ses données personnelles sont supprimées et ses annonces closes.',
  rappele: 'C’est noté : la personne a été rappelée.',
  publiee: 'L’annonce est enregistrée.',
  aidee: 'L’annonce est marquée « aide trouvée » ; la personne qui a aidé est remerciée par e-mail.',
  close: 'L’annonce est close.',
  prolongee: 'L’annonce est prolongée de 60 jours.',
};
