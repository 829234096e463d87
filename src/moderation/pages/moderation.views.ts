import type { Result } from '@src/web/page-models';
import type { ModerationService } from '../moderation.service';

export interface ModerationView {
  items: Result<ModerationService['queue']>['items'];
  notice?: string;
  formError?: string;
}

export interface AuditView {
  items: Result<ModerationService['auditLog']>['items'];
  next?: string;
}

declare module '@src/web/page-models' {
  interface PageModels {
    moderation: ModerationView;
    audit: AuditView;
  }
}
