// The config layer: schema, config groups, command-line overrides, sweeps and result naming.
export { composeConfig, type ComposeOptions } from './compose.js';
export { ConfigError } from './errors.js';
export { formatHelp, formatValue, type HelpOptions } from './help.js';
export { algorithmName, resultsPath } from './naming.js';
export { parseOverride, type Override, type OverrideOp } from './overrides.js';
export { ConfigRepository, defaultConfDir } from './repository.js';
export * from './schema.js';
export { editDistance, nearest } from './suggest.js';
export { expandSweep, sweepJobName, type SweepJob } from './sweep.js';
export { membersDrawOwnClasses, scenarioMakesData, validateConfig } from './validate.js';
export { configToYaml, parseConfigYaml } from './yaml.js';
