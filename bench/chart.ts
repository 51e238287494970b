/**
 * Draws one configuration's results as an SVG bar chart, by hand: one group per workload, one bar
 * per driver showing its throughput as a multiple of better-sqlite3's (the replica row: ours as a
 * multiple of our own local-file row), and a dashed reference line at 1.0.
 */
import { ratio, replicaRatio } from "./report";
import { BASELINE, ConfigurationReport, DriverId, OURS, RunReport, SettingsId, WorkloadResult } from "./types";

/** The chart's file name: chart.svg for WAL + NORMAL (the README's), chart-defaults.svg otherwise. */
export function chartFile(settings: SettingsId): string {
  return settings === "wal-normal" ? "chart.svg" : `chart-${settings}.svg`;
}

const SERIES: { id: DriverId; label: string; colour: string }[] = [
  { id: "typeorm-libsql", label: "typeorm-libsql (ours)", colour: "#2f6fdf" },
  { id: "libsql-js", label: "libsql-js via the better-sqlite3 driver", colour: "#e08a2c" },
];

const escape = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function chart(report: RunReport, configuration: ConfigurationReport): string {
  const groups = configuration.workloads;
  const barRatio = (g: WorkloadResult, id: DriverId): number | undefined =>
    g.level === "replica" ? (id === OURS ? replicaRatio(g, configuration) : undefined) : ratio(g, BASELINE, id);
  const values = groups.flatMap((g) => SERIES.map((s) => barRatio(g, s.id) ?? 0));
  const top = Math.max(1.5, Math.ceil(Math.max(...values, 0) * 2) / 2);
  const step = top > 4 ? 1 : 0.5;

  const groupWidth = 92;
  const barWidth = 30;
  const left = 56;
  const plotTop = 64;
  const plotHeight = 300;
  const width = Math.max(720, left + groups.length * groupWidth + 20);
  const height = plotTop + plotHeight + 96;
  const y = (v: number): number => plotTop + plotHeight - (Math.min(v, top) / top) * plotHeight;

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${left}" y="22" font-size="15" font-weight="bold">Throughput relative to TypeORM + better-sqlite3 (= 1.0, higher is better): ${escape(configuration.title)}</text>`,
  ];
  SERIES.forEach((s, i) => {
    const x = left + i * 300;
    out.push(`<rect x="${x}" y="34" width="12" height="12" fill="${s.colour}"/>`);
    out.push(`<text x="${x + 18}" y="44">${escape(s.label)}</text>`);
  });
  for (let v = 0; v <= top + 1e-9; v += step) {
    out.push(`<line x1="${left}" x2="${width - 20}" y1="${y(v)}" y2="${y(v)}" stroke="#e4e4e4"/>`);
    out.push(`<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(1)}×</text>`);
  }
  groups.forEach((g, gi) => {
    const x0 = left + gi * groupWidth + (groupWidth - SERIES.length * barWidth) / 2;
    SERIES.forEach((s, si) => {
      const r = barRatio(g, s.id);
      const x = x0 + si * barWidth;
      if (r === undefined) {
        const own = g.outcomes[s.id]?.status ?? "not run";
        const why =
          own !== "ok"
            ? own
            : g.level === "replica"
              ? "ours only"
              : `better-sqlite3 ${g.outcomes[BASELINE]?.status ?? "not run"}`;
        const tx = x + barWidth / 2 + 3;
        out.push(
          `<text x="${tx}" y="${y(0) - 6}" fill="#888" font-size="9" transform="rotate(-90 ${tx} ${y(0) - 6})">${escape(why)}</text>`,
        );
        return;
      }
      out.push(
        `<rect x="${x + 2}" y="${y(r)}" width="${barWidth - 4}" height="${y(0) - y(r)}" fill="${s.colour}"><title>${escape(`${g.title}: ${s.label} ${r.toFixed(2)}×`)}</title></rect>`,
      );
      out.push(
        `<text x="${x + barWidth / 2}" y="${y(r) - 4}" text-anchor="middle" font-size="10">${r >= top ? "▲" : ""}${r.toFixed(2)}</text>`,
      );
    });
    const cx = left + gi * groupWidth + groupWidth / 2;
    const words = g.title.split(" ");
    const lines: string[] = [];
    for (const word of words) {
      const last = lines[lines.length - 1];
      if (last !== undefined && (last + " " + word).length <= 15) lines[lines.length - 1] = last + " " + word;
      else lines.push(word);
    }
    lines.slice(0, 5).forEach((line, li) => {
      out.push(`<text x="${cx}" y="${y(0) + 16 + li * 13}" text-anchor="middle">${escape(line)}</text>`);
    });
  });
  out.push(
    `<line x1="${left}" x2="${width - 20}" y1="${y(1)}" y2="${y(1)}" stroke="#c0392b" stroke-width="1.5" stroke-dasharray="6 4"/>`,
  );
  out.push(`<text x="${width - 22}" y="${y(1) - 4}" text-anchor="end" fill="#c0392b">better-sqlite3 = 1.0</text>`);
  out.push(`<line x1="${left}" x2="${width - 20}" y1="${y(0)}" y2="${y(0)}" stroke="#444"/>`);
  out.push(
    `<text x="${left}" y="${height - 8}" fill="#666">${escape(`${report.machine.cpuModel}, ${report.machine.cores} cores, Node ${report.machine.node} — ${report.machine.date.slice(0, 10)}`)}</text>`,
  );
  out.push("</svg>");
  return out.join("\n") + "\n";
}
