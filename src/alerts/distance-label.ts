/**
 * How an alert e-mail says how far the help is: rounded to 100 m, so that it never gives away
 * where a neighbour lives more precisely than the listing's public point does.
 */
export function distanceLabel(metres: number, mode = 'in_person'): string {
  if (mode === 'remote') return 'à distance';
  return metres < 100 ? 'à moins de 100 m' : `à environ ${Math.round(metres / 100) * 100} m`;
}
