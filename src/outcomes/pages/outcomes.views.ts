import type { Form } from '@src/web/forms';
import type { FormState, Result } from '@src/web/page-models';
import type { OutcomesService, ReminderAnswer } from '../outcomes.service';

type ReminderState = NonNullable<Result<OutcomesService['reminderState']>>;

/** The reminder's question: confirm an answer (GET asks, POST acts). */
export interface OutcomeView {
  token: string;
  listing: ReminderState['listing'];
  answer?: ReminderAnswer;
  question?: { heading: string; button: string };
  helpers: ReminderState['helpers'];
  choices: Array<{ value: ReminderAnswer; label: string }>;
}

export interface FeedbackView extends FormState<Form> {
  id: string;
}

declare module '@src/web/page-models' {
  interface PageModels {
    outcome: OutcomeView;
    feedback: FeedbackView;
  }
}
