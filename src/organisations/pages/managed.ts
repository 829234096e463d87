import { NotFoundError } from '@libs/errors';
import { Principal, TenantRef } from '@libs/tenancy';
import { OrganisationsService } from '../organisations.service';
import { ProjectsService } from '../projects.service';

/** A project as its managers' pages show it; to anyone else it does not exist (the error page's 404). */
export async function managedProject(projects: ProjectsService, ref: TenantRef, id: string, me: Principal) {
  const project = await projects.get(ref, id, me);
  if (!project.manager) throw new NotFoundError('Ce projet est introuvable.');
  return project;
}

/** An organisation as its managers' pages show it; to anyone else it does not exist (the error page's 404). */
export async function managedOrganisation(
  organisations: OrganisationsService,
  ref: TenantRef,
  id: string,
  me: Principal,
) {
  const organisation = await organisations.get(ref, id, me);
  if (!organisation.manager) throw new NotFoundError('Cette organisation est introuvable.');
  return organisation;
}
