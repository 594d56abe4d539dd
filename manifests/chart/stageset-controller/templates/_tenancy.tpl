{{/*
The container args of the tenancy values (multitenancy.*, artifacts.*, and the Go chart's
controller.noCrossNamespaceRefs), one list item per line; values.schema.json has
checked their keys and types. The one contradiction between values is refused here, in
words a schema error could not give.
*/}}
{{- define "stageset-controller.tenancyArgs" -}}
{{- if and .Values.multitenancy.enabled .Values.rbac.clusterAdmin }}
{{- fail "values: rbac.clusterAdmin=true contradicts multitenancy.enabled=true: the locked-down controller must not hold cluster-admin; bind cluster-admin (or less) to the tenants' ServiceAccounts instead" }}
{{- end }}
{{- if .Values.multitenancy.enabled }}
- --default-service-account={{ .Values.multitenancy.defaultServiceAccount }}
{{- end }}
{{- if or .Values.multitenancy.enabled .Values.controller.noCrossNamespaceRefs }}
- --no-cross-namespace-refs
{{- end }}
{{- with .Values.artifacts.allowHosts }}
- --allow-artifact-hosts={{ join "," . }}
{{- end }}
{{- end }}
