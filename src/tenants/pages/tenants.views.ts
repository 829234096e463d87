import type { TenantFile } from '../tenant-file.schema';

/** One of the commune's legal pages (legal notice, terms, personal data), its text from the tenant file. */
export interface LegalView {
  page: string;
  heading: string;
  /** The legal notice names the host. */
  host?: TenantFile['host'];
}

/** The accessibility statement (RGAA), from the tenant file's `accessibility`. */
export interface AccessibilityView {
  statement: {
    status: 'full' | 'partial' | 'none';
    label: string;
    audited: boolean;
    auditDate?: string;
    auditedBy?: string;
    scope?: string;
    rate?: string;
    nonCompliances: string[];
    contactEmail: string;
    siteUrl: string;
  };
}

declare module '@src/web/page-models' {
  interface PageModels {
    legal: LegalView;
    accessibility: AccessibilityView;
    'site-map': object;
    help: object;
  }
}
