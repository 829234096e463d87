import { ConflictError, ForbiddenError, InvalidError, NotFoundError } from '@libs/errors';
import { FormRefusal, MISSING_OR_FORBIDDEN, formTitle, submitForm } from './forms';

describe('submitForm', () => {
  const refused = (refusal: FormRefusal) => Promise.resolve(refusal);

  it('answers what the action answers when nothing is refused', async () => {
    const answer = await submitForm<unknown>({ action: () => Promise.resolve('redirected'), summary: 'x', refused });
    expect(answer).toBe('redirected');
  });

  it('shows each named field with the summary above the form, and the refusal’s status', async () => {
    const answer = await submitForm<unknown>({
      action: () => Promise.reject(new InvalidError([{ field: 'title', message: 'titre requis' }])),
      summary: (errors) => `Rien n’a été enregistré : ${errors.title}.`,
      refused,
    });
    expect(answer).toMatchObject({
      errors: { title: 'titre requis' },
      formError: 'Rien n’a été enregistré : titre requis.',
      status: 422,
      invalid: true,
      detail: 'Certaines données sont invalides.',
    });
  });

  it('shows the refusal’s own words when it names no field', async () => {
    const answer = await submitForm<unknown>({
      action: () => Promise.reject(new ConflictError('Cette mission est complète.')),
      summary: 'Corrigez les champs signalés.',
      refused,
    });
    const refusal = { errors: {}, formError: 'Cette mission est complète.', status: 409, invalid: false };
    expect(answer).toMatchObject({ ...refusal, detail: 'Cette mission est complète.' });
  });

  it('leaves the alert to the refusal’s own words where the page gives no summary', async () => {
    const answer = await submitForm<FormRefusal>({
      action: () => Promise.reject(InvalidError.field('email', 'adresse e-mail invalide')),
      refused,
    });
    expect(answer.formError).toBe('Certaines données sont invalides.');
  });

  it('leaves a missing or forbidden thing, and any failure, to the error page', async () => {
    const send = (err: Error) =>
      submitForm({ action: () => Promise.reject(err), summary: 'x', refused, passOn: MISSING_OR_FORBIDDEN });
    await expect(send(new NotFoundError())).rejects.toBeInstanceOf(NotFoundError);
    await expect(send(new ForbiddenError('Non.'))).rejects.toBeInstanceOf(ForbiddenError);
    await expect(send(new Error('database down'))).rejects.toThrow('database down');
  });
});

describe('formTitle', () => {
  it('says « Erreur » before a form page’s title while it shows a refusal, and only then', () => {
    expect(formTitle('Mon compte', { email: 'adresse e-mail invalide' })).toBe('Erreur – Mon compte');
    expect(formTitle('Mon compte', undefined)).toBe('Mon compte');
  });
});
