/** One of the commune's legal pages (legal notice, terms, personal data), its text from the tenant file. */
export interface LegalView {
  page: string;
  heading: string;
}

declare module '@src/web/page-models' {
  interface PageModels {
    legal: LegalView;
  }
}
