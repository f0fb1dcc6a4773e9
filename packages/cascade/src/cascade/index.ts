export { createCascade, type Cascade, type CascadeProgress, type CascadeSampleOptions, type CascadeSampleResult, type StageSampleParams } from './cascade';
