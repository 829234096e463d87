import type { FormState, Notice, Result } from '@src/web/page-models';
import type { IdentityService } from '../identity.service';

/** The password proof before a provider is linked to an existing account. */
export interface IdentityLinkView extends FormState<Record<string, string | undefined>> {
  email: string;
  providerLabel: string;
}

export interface StaffRequestsView extends Notice {
  requests: Array<
    Result<IdentityService['pendingStaffRequests']>[number] & { roleLabel: string; evidenceText: string }
  >;
}

declare module '@src/web/page-models' {
  interface PageModels {
    'identity-link': IdentityLinkView;
    'staff-requests': StaffRequestsView;
  }
}
