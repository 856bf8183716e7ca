import type { Command } from './types.js'
import { stackCommands } from './stacks.js'
import { stackImportCommands } from './stack-import.js'
import { updateCommands } from './updates.js'
import { operationCommands } from './stack-operations.js'
import { deploymentCommands } from './deployments.js'
import { memberCommands } from './members.js'
import { teamCommands } from './teams.js'
import { tokenCommands } from './tokens.js'
import { webhookCommands } from './webhooks.js'
import { auditCommands } from './audit.js'
import { resourceCommands } from './resources.js'

/** Every command, in the order the README lists them. */
export const COMMANDS: readonly Command[] = [
  ...stackCommands,
  ...stackImportCommands,
  ...updateCommands,
  ...operationCommands,
  ...deploymentCommands,
  ...memberCommands,
  ...teamCommands,
  ...tokenCommands,
  ...webhookCommands,
  ...auditCommands,
  ...resourceCommands
]
