import type { ComponentChildren } from 'preact';

/** A table of any list of the API: one column per [label, cell] pair. */
export function ListTable<T>({
  label,
  rows,
  columns,
  busy = false,
}: {
  label: string;
  rows: T[];
  columns: [string, (r: T) => ComponentChildren][];
  busy?: boolean;
}) {
  if (!rows.length) return <p aria-busy={busy}>{busy ? 'Loading…' : 'None yet.'}</p>;
  return (
    <div class="table-wrap">
      <table aria-label={label} aria-busy={busy}>
        <thead>
          <tr>
            {columns.map(([name]) => (
              <th scope="col" key={name}>
                {name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              {columns.map(([name, cell]) => (
                <td key={name}>{cell(r)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
