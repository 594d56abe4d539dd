/** The controller's version (package.json's), for the ApplySet tooling annotation and the User-Agent. */
export const CONTROLLER_VERSION = "0.1.0"
