import { PageRoles } from '@src/web/page-guard';

/** An administrator of this commune (or of its federation); back to the administration page after signing in. */
export const AdminPage = () =>
  PageRoles(
    ['admin', 'federation_admin'],
    'Cette page est réservée aux administrateurs de la commune.',
    '/administration',
  );
