#pragma once

// What a run did, as JSON (for graders and tests; the field names are a stable interface) and
// as readable text.

#include <QJsonObject>
#include <QString>

namespace vmwb {

class Session;

QJsonObject reportJson(const Session &session);
QString reportText(const Session &session);

} // namespace vmwb
