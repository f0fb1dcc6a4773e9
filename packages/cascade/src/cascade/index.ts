export { createCascade, type Cascade, type CascadeProgress, type CascadeSampleOptions, type CascadeSampleResult } from './cascade';
