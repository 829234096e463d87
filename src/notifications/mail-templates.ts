/** The e-mails the application sends; each has `templates/<name>.{subject,html,text}.hbs`. */
export type MailTemplate =
  | 'account-verification'
  | 'password-reset'
  | 'staff-invitation'
  | 'account-deleted'
  | 'conversation-message'
  | 'listing-match'
  | 'match-digest'
  | 'moderation-decision'
  | 'account-banned'
  | 'helper-thanks'
  | 'outcome-reminder'
  | 'organisation-message'
  | 'organisation-decision'
  | 'mission-match'
  | 'mission-digest'
  | 'mission-reminder';

/**
 * Data each template cannot do without. The outbox refuses a row that lacks them, in the
 * caller's transaction, rather than mailing a broken link later. Names are optional:
 * templates fall back to a plain greeting.
 */
export const REQUIRED_DATA: { readonly [T in MailTemplate]: readonly string[] } = {
  'account-verification': ['verifyUrl'],
  'password-reset': ['resetUrl'],
  'staff-invitation': ['acceptUrl', 'roleLabel', 'scopeName'],
  'account-deleted': [],
  'conversation-message': ['conversationUrl'],
  'listing-match': ['listingUrl', 'title', 'unsubscribeUrl'],
  'match-digest': ['items', 'unsubscribeUrl'],
  // No reason is needed to publish (one is to refuse or remove: DecisionDto).
  'moderation-decision': ['title', 'outcome'],
  'account-banned': ['reason'],
  'helper-thanks': ['listingTitle', 'authorName', 'siteUrl'],
  'outcome-reminder': ['listingTitle', 'foundUrl', 'stillLookingUrl', 'notNeededUrl'],
  'organisation-message': ['intro', 'body', 'url'],
  'organisation-decision': ['target', 'title', 'outcome', 'url'],
  'mission-match': ['missionUrl', 'title', 'organisationName', 'unsubscribeUrl'],
  'mission-digest': ['items', 'unsubscribeUrl'],
  'mission-reminder': ['title', 'organisationName', 'schedule', 'missionUrl', 'calendarUrl'],
};

/**
 * Templates sent to an address that is being forgotten (the account is gone): once the row
 * is final (sent or failed), its recipient is blanked as well as its data.
 */
export const FORGET_RECIPIENT_AFTER_SEND: readonly MailTemplate[] = ['account-deleted'];

export function isMailTemplate(name: string): name is MailTemplate {
  return Object.prototype.hasOwnProperty.call(REQUIRED_DATA, name);
}
