import type { Notice, Result } from '@src/web/page-models';
import type { ProjectsService } from '../projects.service';
import type { OrganisationsPage } from './organisations.views';

/** A volunteer's calendar page: their sign-ups (each with its .ics) and their private feed link, if any. */
export interface MissionCalendarView extends OrganisationsPage, Notice {
  signUps: Result<ProjectsService['mySignUps']>['items'];
  feedUrl?: string;
}

declare module '@src/web/page-models' {
  interface PageModels {
    'mission-calendar': MissionCalendarView;
  }
}
