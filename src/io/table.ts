import Table from 'cli-table3';

/** A human table; with color off it carries no escape codes at all, borders included. */
export function renderTable(head: readonly string[], rows: readonly (readonly string[])[], color: boolean): string {
  const table = new Table({
    head: [...head],
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    style: { head: color ? ['cyan'] : [], border: color ? ['grey'] : [] },
  });
  for (const row of rows) table.push([...row]);
  return table.toString();
}
