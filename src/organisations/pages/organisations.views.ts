import type { Form } from '@src/web/forms';
import type { FormState, Notice, Result } from '@src/web/page-models';
import type { TenantsService } from '@src/tenants/tenants.service';
import type { OrganisationsService } from '../organisations.service';
import type { missionView, ProjectsService } from '../projects.service';

type Organisation = Result<OrganisationsService['get']>;
type Project = Result<ProjectsService['get']>;
type Categories = Result<TenantsService['categories']>;
type Neighbourhoods = Result<TenantsService['neighbourhoods']>;

/** Every organisations page names that side of the site (its own site name, else the commune's). */
export interface OrganisationsPage {
  organisationsName: string;
}

export interface OrganisationsView extends OrganisationsPage {
  items: Result<OrganisationsService['list']>['items'];
  next?: string;
}

export interface OrganisationView extends OrganisationsPage, FormState<Form> {
  organisation: Organisation;
  sent?: boolean;
}

export interface MyOrganisationsView extends OrganisationsPage {
  organisations: Result<OrganisationsService['mine']>['items'];
  signUps: Result<ProjectsService['mySignUps']>['items'];
}

export interface NewOrganisationView extends OrganisationsPage, FormState<Form> {
  kinds: Array<{ value: string; label: string | undefined }>;
  neighbourhoods: Neighbourhoods;
}

/** The managers' page: what a change sent back (errors, values, alert) or a notice after a redirect. */
export interface ManageOrganisationExtra extends Notice, FormState<Form> {}

export interface ManageOrganisationView extends OrganisationsPage, ManageOrganisationExtra {
  organisation: Organisation;
  messages: Result<OrganisationsService['inbox']>['items'];
}

export interface ProjectsView extends OrganisationsPage {
  filters: { category?: string; neighbourhood?: string; q?: string };
  categories: Categories;
  neighbourhoods: Neighbourhoods;
  /** Each project with its missions, so the list says which are full. */
  items: Array<
    Result<ProjectsService['search']>['items'][number] & {
      missions: Array<ReturnType<typeof missionView>>;
    }
  >;
  next?: string;
  errors?: Record<string, string>;
}

export interface ProjectView extends OrganisationsPage, Notice, FormState<Form> {
  project: Project;
}

export interface NewProjectView extends OrganisationsPage, FormState<Form> {
  organisation: Organisation;
  categories: Categories;
  neighbourhoods: Neighbourhoods;
}

export interface EditProjectView extends OrganisationsPage, FormState<Form> {
  project: Project;
}

export interface NewMissionView extends OrganisationsPage, FormState<Form> {
  project: Project;
}

export type VolunteersExtra = ManageOrganisationExtra;

export interface VolunteersView extends OrganisationsPage, VolunteersExtra {
  mission: Result<ProjectsService['volunteers']>['mission'];
  items: Result<ProjectsService['volunteers']>['items'];
}

declare module '@src/web/page-models' {
  interface PageModels {
    organisations: OrganisationsView;
    organisation: OrganisationView;
    'my-organisations': MyOrganisationsView;
    'new-organisation': NewOrganisationView;
    'manage-organisation': ManageOrganisationView;
    projects: ProjectsView;
    project: ProjectView;
    'new-project': NewProjectView;
    'edit-project': EditProjectView;
    'new-mission': NewMissionView;
    volunteers: VolunteersView;
  }
}
