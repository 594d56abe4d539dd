{{/*
The value at a dotted path of .Values, as JSON; "" when absent.
Usage: include "stageset-controller.valueAt" (list .Values "a.b.c")
*/}}
{{- define "stageset-controller.valueAt" -}}
{{- $node := index . 0 -}}
{{- $found := true -}}
{{- range $key := splitList "." (index . 1) -}}
{{- if and $found (kindIs "map" $node) (hasKey $node $key) -}}
{{- $node = index $node $key -}}
{{- else -}}
{{- $found = false -}}
{{- end -}}
{{- end -}}
{{- if $found }}{{ toJson $node }}{{ end -}}
{{- end }}

{{/*
Refuses values this chart cannot honour, each by name, before anything renders:
- values of the public Go chart for features this controller lacks, unless at that
  chart's defaults (compat/go-chart-features.yaml says which, and why they are accepted);
- crds.create=false (the CRDs ship in crds/; Helm skips them with --skip-crds);
- this chart's renamed values (replicaCount, leaderElection).
Unknown values are refused by values.schema.json.
*/}}
{{- define "stageset-controller.refuseUnsupported" -}}
{{- $compat := .Files.Get "compat/go-chart-features.yaml" | fromYaml -}}
{{- range $feature := $compat.features -}}
{{- $on := true -}}
{{- if $feature.switch -}}
{{- $switch := include "stageset-controller.valueAt" (list $.Values $feature.switch) -}}
{{- /* Absent: the Go chart's default, which is on for some of them. */ -}}
{{- if eq $switch "" }}{{ $switch = toJson (index $feature.defaults $feature.switch) }}{{ end -}}
{{- $on = ne $switch (toJson $feature.offValue) -}}
{{- end -}}
{{- if $on -}}
{{- range $path, $default := $feature.defaults -}}
{{- $value := include "stageset-controller.valueAt" (list $.Values $path) -}}
{{- if and (ne $value "") (ne $value (toJson $default)) -}}
{{- fail (printf "values: %s=%s is not supported: this controller lacks %s (accepted only as %s, the Go stageset-controller chart's default)" $path $value $feature.feature (toJson $default)) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if not .Values.crds.create -}}
{{- fail "values: crds.create=false is not supported: this chart installs its CRDs from crds/; leave them out with `helm install --skip-crds` instead" -}}
{{- end -}}
{{- if hasKey .Values "replicaCount" -}}
{{- fail "values: replicaCount was renamed replicas.min (with replicas.max above it, an HPA and a PodDisruptionBudget are rendered)" -}}
{{- end -}}
{{- if hasKey .Values "leaderElection" -}}
{{- fail "values: leaderElection.enabled was renamed controller.leaderElect" -}}
{{- end -}}
{{- if and .Values.podDisruptionBudget.minAvailable .Values.podDisruptionBudget.maxUnavailable -}}
{{- fail "values: podDisruptionBudget.minAvailable and podDisruptionBudget.maxUnavailable exclude each other; set one to null" -}}
{{- end -}}
{{- if and (gt (int .Values.shards) 1) (not .Values.controller.leaderElect) -}}
{{- fail (printf "values: shards=%v needs the shard Leases: it cannot be combined with controller.leaderElect=false" .Values.shards) -}}
{{- end -}}
{{- if gt (int .Values.replicas.min) (int .Values.replicas.max) -}}
{{- fail (printf "values: replicas.min (%v) is above replicas.max (%v)" .Values.replicas.min .Values.replicas.max) -}}
{{- end -}}
{{- end }}

{{/*
The image. The Go chart's default repository names that project's own image, whose binary
takes other flags: a values file written for that chart gets this chart's image instead;
a tag chosen for that image is refused.
*/}}
{{- define "stageset-controller.image" -}}
{{- $image := .Values.image -}}
{{- $repository := $image.repository -}}
{{- $registry := $image.registry -}}
{{- if eq $repository "metio/stageset-controller" -}}
{{- if $image.tag -}}
{{- fail (printf "values: image.tag=%s names a release of the Go stageset-controller's image (image.repository metio/stageset-controller); set image.repository to this controller's image" $image.tag) -}}
{{- end -}}
{{- $repository = "stageset-controller" -}}
{{- $registry = "" -}}
{{- end -}}
{{- $name := ternary $repository (printf "%s/%s" $registry $repository) (empty $registry) -}}
{{- printf "%s:%s" $name ($image.tag | default .Chart.AppVersion) -}}
{{- end }}

{{/*
Container resources: this chart's requests/limits, or the Go chart's flat form (cpu,
memory, ephemeralStorage), which sets requests and limits alike.
*/}}
{{- define "stageset-controller.resources" -}}
{{- $r := .Values.resources -}}
{{- if or (hasKey $r "cpu") (hasKey $r "memory") (hasKey $r "ephemeralStorage") -}}
{{- $both := dict -}}
{{- with $r.cpu }}{{ $_ := set $both "cpu" . }}{{ end -}}
{{- with $r.memory }}{{ $_ := set $both "memory" . }}{{ end -}}
{{- with $r.ephemeralStorage }}{{ $_ := set $both "ephemeral-storage" . }}{{ end -}}
{{- toYaml (dict "requests" $both "limits" $both) -}}
{{- else -}}
{{- toYaml (pick $r "requests" "limits" "claims") -}}
{{- end -}}
{{- end }}

{{/* Whether a PodDisruptionBudget is rendered: more than one replica, now or by the HPA. */}}
{{- define "stageset-controller.multiReplica" -}}
{{- if or (gt (int .Values.replicas.min) 1) (gt (int .Values.replicas.max) (int .Values.replicas.min)) }}true{{ end -}}
{{- end }}
