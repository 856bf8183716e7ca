import { cell, code, heading, link, table } from './escape.js'

export interface DeploymentReport {
  stack: string
  operation: string
  /** planned (dry-run), or the deployment's status */
  status: string
  id?: string
  consoleUrl?: string
  updateId?: string
  commit?: string
  ref?: string
}

export function renderDeployment(report: DeploymentReport): string {
  const title =
    report.status === 'planned'
      ? `Deployment (${cell(report.operation)}) of ${cell(report.stack)} would be started`
      : `Deployment (${cell(report.operation)}) of ${cell(report.stack)}: ${cell(report.status)}`
  const rows: string[][] = []
  if (report.id !== undefined)
    rows.push([
      'Deployment',
      report.consoleUrl ? link(report.id, report.consoleUrl) : code(report.id)
    ])
  if (report.updateId !== undefined) rows.push(['Update', code(report.updateId)])
  if (report.commit !== undefined) rows.push(['Commit', code(report.commit)])
  if (report.ref !== undefined) rows.push(['Branch', code(report.ref)])
  return heading(3, title) + table(['', ''], rows)
}
